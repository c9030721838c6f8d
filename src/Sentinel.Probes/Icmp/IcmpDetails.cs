using System.Globalization;
using System.Net;
using System.Text.Json;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Icmp;

/// <summary>What an <c>icmp</c> run pinged and what came back.</summary>
internal sealed class IcmpDetails(string resolver, IReadOnlyList<IPAddress> addresses, IPAddress? target, Pinger.Outcome? outcome) : ProbeDetails
{
    public override void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("resolver", resolver);
        writer.WriteStartArray("addresses");
        foreach (var address in addresses)
        {
            writer.WriteStringValue(address.ToString());
        }

        writer.WriteEndArray();
        writer.WriteString("target", target?.ToString());
        if (outcome is not null)
        {
            writer.WriteNumber("sent", outcome.Sent);
            writer.WriteNumber("received", outcome.Rtt.Count);
        }

        writer.WriteEndObject();
    }

    public override void WriteReport(TextWriter writer)
    {
        writer.WriteLine($"  resolver    {resolver}");
        if (addresses.Count > 0)
        {
            writer.WriteLine($"  addresses   {string.Join(", ", addresses)}");
        }

        if (target is null || outcome is null)
        {
            return;
        }

        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pinged      {target}: {outcome.Sent} sent, {outcome.Rtt.Count} received, {outcome.LossRatio * 100:0.#}% loss"));
        if (outcome.Rtt.Count > 0)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  rtt         min/avg/max/stddev = {outcome.Rtt.Best.TotalMilliseconds:0.000}/{outcome.Rtt.Average.TotalMilliseconds:0.000}/{outcome.Rtt.Worst.TotalMilliseconds:0.000}/{outcome.Rtt.PopulationStdDev.TotalMilliseconds:0.000} ms"));
        }
    }
}
