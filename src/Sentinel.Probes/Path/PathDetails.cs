using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// The hops of a path run: in JSON (stored in the results table, so the path can be shown over time; the
/// <c>path_hops</c> view reads its members) and as a table with the columns of <c>mtr --report</c>.
/// </summary>
internal sealed class PathDetails : TargetDetails
{
    private readonly PathSection _section;
    private readonly PathTrace? _trace;

    internal PathDetails(string resolver, IReadOnlyList<IPAddress> addresses, PathSection section, PathTrace? trace)
        : base(resolver, addresses) => (_section, _trace) = (section, trace);

    /// <summary>The address traced to, or null when the name did not resolve.</summary>
    public IPAddress? Target => _trace?.Target;

    [JsonConverter(typeof(LowerCaseEnumJsonConverter<PathProtocol>))]
    public PathProtocol Protocol => _section.Protocol;

    /// <summary>The port probed; absent for ICMP.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Port => _section.Protocol == PathProtocol.Icmp ? null : _section.Port;

    public int Cycles => _section.Cycles;

    public int Size => _section.Size;

    /// <summary>Whether the destination answered; absent when nothing was traced.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Reached => _trace?.Reached;

    /// <summary>Each hop's figures; absent when nothing was traced.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IEnumerable<PathHopJson>? Hops => _trace?.Hops.Select(h => new PathHopJson(h, _trace.Target));

    internal override JsonTypeInfo JsonTypeInfo => PathJsonContext.Default.PathDetails;

    public override void WriteReport(TextWriter writer)
    {
        base.WriteReport(writer);
        if (_trace is null)
        {
            return;
        }

        var probes = _section.Protocol switch
        {
            PathProtocol.Udp => $"UDP to port {_section.Port}, {_section.Size}-byte packets",
            PathProtocol.Tcp => $"TCP SYN to port {_section.Port}",
            _ => $"ICMP echo, {_section.Size}-byte packets",
        };
        writer.WriteLine($"  path to     {_trace.Target}: {_section.Cycles} cycles {Checks.Duration.Format(_section.Interval)} apart, {probes}");
        writer.WriteLine($"  {"HOP",-4} {"ADDRESS",-39} {"Loss%",6} {"Snt",5} {"Last",7} {"Avg",7} {"Best",7} {"Wrst",7} {"StDev",7}");
        foreach (var hop in _trace.Hops)
        {
            var seen = hop.Addresses;
            var name = hop.Address?.ToString() ?? "???";
            var line = string.Create(CultureInfo.InvariantCulture, $"  {hop.Hop + ".",-4} {name,-39} {hop.LossRatio * 100,5:0.0}% {hop.Sent,5}");
            if (hop.Received > 0)
            {
                line += string.Create(CultureInfo.InvariantCulture,
                    $" {Ms(hop.Rtt.Last),7} {Ms(hop.Rtt.Average),7} {Ms(hop.Rtt.Best),7} {Ms(hop.Rtt.Worst),7} {Ms(hop.Rtt.SampleStdDev),7}");
            }

            if (hop.UnreachableCode is { } code)
            {
                line += $"  ({IcmpFailures.UnreachableReason(_trace.Target, code)})";
            }

            writer.WriteLine(line);

            // Load-balanced paths: every other address that answered at this TTL, as mtr lists them.
            foreach (var (address, count) in seen.Skip(1))
            {
                writer.WriteLine($"       `-- {address} ({count} of {hop.Received})");
            }
        }
    }

    private static string Ms(TimeSpan duration) => duration.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture);
}

/// <summary>One hop of a path in JSON: the columns of <c>mtr --report</c>, the addresses that answered and how often.</summary>
internal sealed class PathHopJson
{
    private readonly HopStats _hop;
    private readonly IPAddress _target;

    internal PathHopJson(HopStats hop, IPAddress target) => (_hop, _target) = (hop, target);

    [JsonPropertyName("hop")]
    public int Number => _hop.Hop;

    /// <summary>The address that answered most often, or null.</summary>
    public IPAddress? Address => _hop.Address;

    public IEnumerable<PathHopAddressJson> Addresses => _hop.Addresses.Select(a => new PathHopAddressJson(a.Address, a.Count));

    public int Sent => _hop.Sent;

    public int Received => _hop.Received;

    /// <summary>0–1, rounded to 4 decimals.</summary>
    public double LossRatio => Math.Round(_hop.LossRatio, 4);

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(MillisecondsJsonConverter))]
    public TimeSpan? LastMs => Answered(_hop.Rtt.Last);

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(MillisecondsJsonConverter))]
    public TimeSpan? AvgMs => Answered(_hop.Rtt.Average);

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(MillisecondsJsonConverter))]
    public TimeSpan? BestMs => Answered(_hop.Rtt.Best);

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(MillisecondsJsonConverter))]
    public TimeSpan? WorstMs => Answered(_hop.Rtt.Worst);

    /// <summary>The sample standard deviation, as mtr's StDev.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(MillisecondsJsonConverter))]
    public TimeSpan? StdDevMs => Answered(_hop.Rtt.SampleStdDev);

    /// <summary>Why the _hop said the destination is unreachable, when it did.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Unreachable => _hop.UnreachableCode is { } code ? IcmpFailures.UnreachableReason(_target, code) : null;

    /// <summary>Round trips exist only for a _hop that answered.</summary>
    private TimeSpan? Answered(TimeSpan rtt) => _hop.Received > 0 ? rtt : null;
}

/// <summary>An address that answered at a hop, and how many times.</summary>
internal sealed record PathHopAddressJson(IPAddress Address, int Count);
