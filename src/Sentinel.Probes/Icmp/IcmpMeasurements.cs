using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Icmp;

/// <summary>The measurements of an icmp check (ping); the round-trip figures only when a reply came.</summary>
internal static class IcmpMeasurements
{
    /// <summary>Share of the echo requests without a reply.</summary>
    public const string LossRatio = "icmp.loss_ratio";

    /// <summary>Echo requests sent.</summary>
    public const string PacketsSent = "icmp.packets_sent";

    /// <summary>Echo replies received.</summary>
    public const string PacketsReceived = "icmp.packets_received";

    /// <summary>Shortest round trip.</summary>
    public const string RttMin = "icmp.rtt_min_ms";

    /// <summary>Average round trip.</summary>
    public const string RttAvg = "icmp.rtt_avg_ms";

    /// <summary>Longest round trip.</summary>
    public const string RttMax = "icmp.rtt_max_ms";

    /// <summary>Population standard deviation of the round trips (ping's mdev).</summary>
    public const string RttStdDev = "icmp.rtt_stddev_ms";

    /// <summary>The run's phases (<c>rtt</c> is the average round trip) and its total, declared as <c>icmp.duration.*_ms</c>.</summary>
    public static readonly DurationMeasurements Durations = DurationMeasurements.Matching("icmp", PhaseNames.Resolve, PhaseNames.Setup, PhaseNames.Rtt);

    /// <summary>Every measurement of the type, for assertions, in the order error messages list them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [LossRatio, PacketsSent, PacketsReceived, RttMin, RttAvg, RttMax, RttStdDev, .. Durations.Declared];
}
