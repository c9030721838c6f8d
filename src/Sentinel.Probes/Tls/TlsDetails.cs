using System.Net;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Tls;

/// <summary>What a <c>tls</c> check connected to, how it upgraded, and what the handshake showed.</summary>
internal sealed class TlsDetails(string resolver, IReadOnlyList<IPAddress> addresses, IPEndPoint? remote = null, IPEndPoint? local = null)
    : ConnectionDetails(resolver, addresses, remote, local)
{
    [JsonIgnore]
    public StartTlsProtocol? StartTls { get; init; }

    /// <summary>The upgrade before the handshake, as check files name it (<c>smtp</c>), or null.</summary>
    [JsonPropertyName("starttls")]
    public string? StartTlsName => StartTls is { } p ? Tls.StartTls.Name(p) : null;

    /// <summary>The handshake's inspection, or null when the run ended before the handshake.</summary>
    [JsonPropertyName("tls")]
    [JsonConverter(typeof(EmbeddedDetailsJsonConverter<TlsInspectionDetails>))]
    public TlsInspectionDetails? Handshake { get; init; }

    /// <summary>The tlsVersions audit, when the check asked for it and the handshake was reached.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<VersionOutcome>? Versions { get; init; }

    internal override JsonTypeInfo JsonTypeInfo => TlsProbeJsonContext.Default.TlsDetails;

    public override void WriteReport(TextWriter writer)
    {
        base.WriteReport(writer);
        if (StartTls is { } protocol)
        {
            writer.WriteLine($"  starttls    {Tls.StartTls.Name(protocol)}");
        }

        Handshake?.WriteReport(writer);
        foreach (var outcome in Versions ?? [])
        {
            var verdict = outcome.Accepted switch { true => "accepted", false => "refused", _ => "unknown" };
            writer.WriteLine($"  {outcome.Version,-11} {verdict}: {outcome.Detail}");
        }
    }
}
