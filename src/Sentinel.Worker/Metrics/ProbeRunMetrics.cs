using System.Diagnostics.Metrics;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;

namespace Sentinel.Worker.Metrics;

/// <summary>
/// How the scheduler keeps up: how late runs start, how many run at once, and how many finished of each type and
/// state. Recorded by the probe job; node-level series (no check labels).
/// </summary>
internal sealed class ProbeRunMetrics
{
    /// <summary>Bucket bounds of the lag histogram, seconds: from a millisecond to a minute (a run late by a whole interval).</summary>
    private static readonly double[] LagBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Histogram<double> _lag;
    private readonly UpDownCounter<int> _inflight;
    private readonly Counter<long> _runs;

    public ProbeRunMetrics(Meter meter)
    {
        _lag = meter.CreateHistogram("sentinel_scheduler_lag_seconds", "s",
            "How late each run started: its actual start minus the fire time Quartz planned for it.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LagBuckets });
        _inflight = meter.CreateUpDownCounter<int>("sentinel_probes_inflight", description: "Runs under way on this node.");
        _runs = meter.CreateCounter<long>("sentinel_probe_runs_total", description: "Runs finished on this node, by check type and state (up, degraded, down, unknown).");
    }

    /// <summary>A run starts, <paramref name="lag"/> after its planned fire time.</summary>
    public void Started(TimeSpan lag)
    {
        _lag.Record(Math.Max(0, lag.TotalSeconds));
        _inflight.Add(1);
    }

    /// <summary>The run ended: with a result of <paramref name="status"/>, or none (cut off by shutdown).</summary>
    public void Finished(string type, ProbeStatus? status)
    {
        _inflight.Add(-1);
        if (status is { } s)
        {
            _runs.Add(1, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("status", ProbeResultJson.Name(s)));
        }
    }
}
