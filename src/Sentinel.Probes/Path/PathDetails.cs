using System.Globalization;
using System.Net;
using System.Text.Json;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// The hops of a path run: in JSON (stored in the results table, so the path can be shown over time) and as
/// a table with the columns of <c>mtr --report</c>.
/// </summary>
internal sealed class PathDetails(string resolver, IReadOnlyList<IPAddress> addresses, PathSection section, PathTrace? trace) : ProbeDetails
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
        writer.WriteString("target", trace?.Target.ToString());
        writer.WriteString("protocol", section.Protocol.ToString().ToLowerInvariant());
        if (section.Protocol != PathProtocol.Icmp)
        {
            writer.WriteNumber("port", section.Port);
        }

        writer.WriteNumber("cycles", section.Cycles);
        writer.WriteNumber("size", section.Size);
        if (trace is not null)
        {
            writer.WriteBoolean("reached", trace.Reached);
            writer.WriteStartArray("hops");
            foreach (var hop in trace.Hops)
            {
                WriteHop(writer, hop, trace.Target);
            }

            writer.WriteEndArray();
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

        if (trace is null)
        {
            return;
        }

        var probes = section.Protocol switch
        {
            PathProtocol.Udp => $"UDP to port {section.Port}, {section.Size}-byte packets",
            PathProtocol.Tcp => $"TCP SYN to port {section.Port}",
            _ => $"ICMP echo, {section.Size}-byte packets",
        };
        writer.WriteLine($"  path to     {trace.Target}: {section.Cycles} cycles {Checks.Duration.Format(section.Interval)} apart, {probes}");
        writer.WriteLine($"  {"HOP",-4} {"ADDRESS",-39} {"Loss%",6} {"Snt",5} {"Last",7} {"Avg",7} {"Best",7} {"Wrst",7} {"StDev",7}");
        foreach (var hop in trace.Hops)
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
                line += $"  ({IcmpFailures.UnreachableReason(trace.Target, code)})";
            }

            writer.WriteLine(line);

            // Load-balanced paths: every other address that answered at this TTL, as mtr lists them.
            foreach (var (address, count) in seen.Skip(1))
            {
                writer.WriteLine($"       `-- {address} ({count} of {hop.Received})");
            }
        }
    }

    private static void WriteHop(Utf8JsonWriter writer, HopStats hop, IPAddress target)
    {
        writer.WriteStartObject();
        writer.WriteNumber("hop", hop.Hop);
        writer.WriteString("address", hop.Address?.ToString());
        writer.WriteStartArray("addresses");
        foreach (var (address, count) in hop.Addresses)
        {
            writer.WriteStartObject();
            writer.WriteString("address", address.ToString());
            writer.WriteNumber("count", count);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNumber("sent", hop.Sent);
        writer.WriteNumber("received", hop.Received);
        writer.WriteNumber("lossRatio", Math.Round(hop.LossRatio, 4));
        if (hop.Received > 0)
        {
            writer.WriteNumber("lastMs", Round(hop.Rtt.Last));
            writer.WriteNumber("avgMs", Round(hop.Rtt.Average));
            writer.WriteNumber("bestMs", Round(hop.Rtt.Best));
            writer.WriteNumber("worstMs", Round(hop.Rtt.Worst));
            writer.WriteNumber("stdDevMs", Round(hop.Rtt.SampleStdDev));
        }

        if (hop.UnreachableCode is { } code)
        {
            writer.WriteString("unreachable", IcmpFailures.UnreachableReason(target, code));
        }

        writer.WriteEndObject();
    }

    private static double Round(TimeSpan duration) => Math.Round(duration.TotalMilliseconds, 3);

    private static string Ms(TimeSpan duration) => duration.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture);
}
