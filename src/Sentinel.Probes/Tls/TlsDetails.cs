using System.Net;
using System.Text.Json;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Tls;

/// <summary>What a <c>tls</c> check connected to, how it upgraded, and what the handshake showed.</summary>
internal sealed class TlsDetails : ProbeDetails
{
    public required string Resolver { get; init; }

    public required IReadOnlyList<IPAddress> Addresses { get; init; }

    public IPEndPoint? Remote { get; init; }

    public IPEndPoint? Local { get; init; }

    public StartTlsProtocol? StartTls { get; init; }

    /// <summary>The handshake's inspection, or null when the run ended before the handshake.</summary>
    public TlsInspectionDetails? Handshake { get; init; }

    /// <summary>The tlsVersions audit, when the check asked for it and the handshake was reached.</summary>
    public IReadOnlyList<VersionOutcome>? Versions { get; init; }

    public override void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("resolver", Resolver);
        writer.WriteStartArray("addresses");
        foreach (var address in Addresses)
        {
            writer.WriteStringValue(address.ToString());
        }

        writer.WriteEndArray();
        writer.WriteString("remote", Remote?.ToString());
        writer.WriteString("local", Local?.ToString());
        writer.WriteString("starttls", StartTls is { } p ? Tls.StartTls.Name(p) : null);
        writer.WritePropertyName("tls");
        if (Handshake is { } handshake)
        {
            handshake.WriteJson(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        if (Versions is { } versions)
        {
            writer.WriteStartArray("versions");
            foreach (var outcome in versions)
            {
                writer.WriteStartObject();
                writer.WriteString("version", outcome.Version);
                if (outcome.Accepted is { } accepted)
                {
                    writer.WriteBoolean("accepted", accepted);
                }
                else
                {
                    writer.WriteNull("accepted");
                }

                writer.WriteString("detail", outcome.Detail);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    public override void WriteReport(TextWriter writer)
    {
        writer.WriteLine($"  resolver    {Resolver}");
        if (Addresses.Count > 0)
        {
            writer.WriteLine($"  addresses   {string.Join(", ", Addresses)}");
        }

        if (Local is not null)
        {
            writer.WriteLine($"  connected   {Local} -> {Remote}");
        }
        else if (Remote is not null)
        {
            writer.WriteLine($"  remote      {Remote}");
        }

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
