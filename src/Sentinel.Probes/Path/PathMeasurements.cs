using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Paths;

/// <summary>The measurements of a path check: the destination's loss and round trips, and the hops on the way.</summary>
internal static class PathMeasurements
{
    /// <summary>The destination's loss; 1 when it never answered.</summary>
    public const string LossRatio = "path.loss_ratio";

    /// <summary>Hops to the destination (to the last hop listed when it was not reached).</summary>
    public const string Hops = "path.hops";

    /// <summary>The highest loss of any hop, rate-limited ones included.</summary>
    public const string WorstHopLossRatio = "path.worst_hop_loss_ratio";

    /// <summary>The destination's last round trip.</summary>
    public const string RttLast = "path.rtt_last_ms";

    /// <summary>The destination's average round trip.</summary>
    public const string RttAvg = "path.rtt_avg_ms";

    /// <summary>The destination's shortest round trip.</summary>
    public const string RttBest = "path.rtt_best_ms";

    /// <summary>The destination's longest round trip.</summary>
    public const string RttWorst = "path.rtt_worst_ms";

    /// <summary>The sample standard deviation of the destination's round trips (mtr's StDev).</summary>
    public const string RttStdDev = "path.rtt_stddev_ms";

    /// <summary>The run's phases and its total, declared as <c>path.duration.*_ms</c>.</summary>
    public static readonly DurationMeasurements Durations = DurationMeasurements.Matching("path", PhaseNames.Resolve, PhaseNames.Setup, PhaseNames.Trace);

    /// <summary>Every measurement of the type, for assertions, in the order error messages list them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [LossRatio, Hops, WorstHopLossRatio, RttLast, RttAvg, RttBest, RttWorst, RttStdDev, .. Durations.Declared];
}
