using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Icmp;

/// <summary>What an <c>icmp</c> run pinged and what came back.</summary>
internal sealed class IcmpDetails : TargetDetails
{
    private readonly IPAddress? _target;
    private readonly Pinger.Outcome? _outcome;

    internal IcmpDetails(string resolver, IReadOnlyList<IPAddress> addresses, IPAddress? target, Pinger.Outcome? outcome)
        : base(resolver, addresses) => (_target, _outcome) = (target, outcome);

    /// <summary>The address pinged, or null when the name did not resolve.</summary>
    public IPAddress? Target => _target;

    /// <summary>Echo requests sent; absent when nothing was sent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Sent => _outcome?.Sent;

    /// <summary>Replies received; absent when nothing was sent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Received => _outcome?.Rtt.Count;

    internal override JsonTypeInfo JsonTypeInfo => IcmpJsonContext.Default.IcmpDetails;

    public override void WriteReport(TextWriter writer)
    {
        base.WriteReport(writer);
        if (_target is null || _outcome is null)
        {
            return;
        }

        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pinged      {_target}: {_outcome.Sent} sent, {_outcome.Rtt.Count} received, {_outcome.LossRatio * 100:0.#}% loss"));
        if (_outcome.Rtt.Count > 0)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  rtt         min/avg/max/stddev = {_outcome.Rtt.Best.TotalMilliseconds:0.000}/{_outcome.Rtt.Average.TotalMilliseconds:0.000}/{_outcome.Rtt.Worst.TotalMilliseconds:0.000}/{_outcome.Rtt.PopulationStdDev.TotalMilliseconds:0.000} ms"));
        }
    }
}
