using System.Net;
using System.Text.Json.Serialization;
using DnsClient.Protocol.Options;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>The question of a dns check in its details' JSON (member <c>query</c>), with how it was asked.</summary>
internal sealed class DnsQueryJson
{
    private readonly DnsQuery _query;
    private readonly DnsSection _section;

    internal DnsQueryJson(DnsQuery query, DnsSection section) => (_query, _section) = (query, section);

    public string Name => _query.Name;

    /// <summary>The record type's mnemonic (<c>A</c>, <c>TYPE65</c>).</summary>
    public string Type => DnsVocabulary.Name(_query.Type);

#pragma warning disable CA1822 // A member of the JSON contract, as the others.
    public string Class => "IN";
#pragma warning restore CA1822

    public bool RecursionDesired => _section.Recursion;

    public int EdnsBufferSize => _section.EdnsBufferSize;
}

/// <summary>
/// One server asked, in a dns check's details' JSON (member <c>servers</c>): how it was asked and, when it answered,
/// the header, the EDNS options and each section as dig shows them.
/// </summary>
internal sealed class DnsServerJson
{
    private readonly DnsServerAnswer _server;
    private readonly bool _failedOver;

    internal DnsServerJson(DnsServerAnswer server, bool failedOver) => (_server, _failedOver) = (server, failedOver);

    /// <summary>As the check writes it.</summary>
    [JsonPropertyName("server")]
    public string Name => _server.Server.Name;

    /// <summary>The address asked; absent when the _server's name did not resolve.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IPEndPoint? Address => _server.EndPoint;

    /// <summary>How long resolving the _server's name took; absent for a _server given by address.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(MillisecondsJsonConverter))]
    public TimeSpan? ResolveMs => _server.Server.Address is null ? _server.ResolveElapsed : null;

    /// <summary>True for a system resolver that gave no usable answer, after which the next one in resolv.conf was asked; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? FailedOver => _failedOver ? true : null;

    /// <summary><c>udp</c>, <c>tcp</c> or <c>udp+tcp</c>.</summary>
    public string Transport => _server.Transport;

    public bool Truncated => _server.Truncated;

    [JsonConverter(typeof(MillisecondsJsonConverter))]
    public TimeSpan LookupMs => _server.Elapsed;

    /// <summary>The response code (<c>NOERROR</c>); absent, as the members up to <see cref="Additional"/>, without a response.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Rcode => _server.Response is { } response ? DnsVocabulary.Name(response.Header.ResponseCode) : null;

    /// <summary>The header flags as dig lists them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IEnumerable<string>? Flags => _server.Response is { } response ? DnsDetails.Flags(response.Header) : null;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MessageSize => _server.Response?.MessageSize;

    /// <summary>The OPT pseudo-record; absent when the _server answered without EDNS.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DnsEdnsJson? Edns => _server.Response is not null && _server.Edns is { } edns ? new(edns) : null;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DnsRecordView>? Answer => Section(_server.Answers);

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DnsRecordView>? Authority => Section(_server.Authority);

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DnsRecordView>? Additional => Section(_server.Additional);

    /// <summary>Why there is no response, or null.</summary>
    public string? Error => _server.Failure?.Message;

    private IReadOnlyList<DnsRecordView>? Section(IReadOnlyList<DnsRecordView> records) => _server.Response is null ? null : records;
}

/// <summary>The EDNS options of a response (RFC 6891 §6.1.3): version, the DO flag, the UDP payload size.</summary>
internal sealed class DnsEdnsJson
{
    private readonly OptRecord _edns;

    internal DnsEdnsJson(OptRecord edns) => _edns = edns;

    public int Version => _edns.Version;

    public bool DnssecOk => _edns.IsDnsSecOk;

    public ushort UdpSize => (ushort)_edns.UdpSize;
}

/// <summary>The drift baseline in a dns check's details' JSON (member <c>baseline</c>), with what drift detection concluded.</summary>
internal sealed class DnsBaselineJson
{
    private readonly DnsDriftOutcome _drift;
    private readonly DnsBaseline _baseline;

    internal DnsBaselineJson(DnsDriftOutcome drift, DnsBaseline baseline) => (_drift, _baseline) = (drift, baseline);

    public IReadOnlyList<string> Answers => _baseline.Answers;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? Since => _drift.Since;

    public string? By => _drift.By;

    public bool TakenNow => _drift.TakenNow;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Drifted => _drift.Drifted;

    public bool Carried => _drift.Carried;
}
