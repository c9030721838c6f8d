using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Worker.Checks;
using Sentinel.Worker.Results;

namespace Sentinel.Worker.Metrics;

/// <summary>
/// The per-check series of <c>/metrics</c>, read from the latest-result view at scrape time through observable
/// instruments, so a removed check's series disappear. Names follow blackbox_exporter where the concept
/// matches; every series carries <c>check</c>, <c>type</c> and <c>target</c>.
/// </summary>
internal sealed class CheckMetrics
{
    // Declared first: SeriesPerCheck below reads it during static initialisation.
    private static readonly string[] States = ["up", "degraded", "down", "unknown"];

    /// <summary>The most series one check has in each of the per-check metrics declared here.</summary>
    public static readonly IReadOnlyDictionary<string, int> SeriesPerCheck = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["probe_success"] = 1,
        ["probe_duration_seconds"] = 1,
        ["sentinel_check_status"] = States.Length,
        ["sentinel_probe_phase_duration_seconds"] = 16,
        ["sentinel_check_last_run_timestamp_seconds"] = 1,
        ["sentinel_probe_failures_total"] = 32,
        ["sentinel_probe_errors_total"] = 1,
    };

    private readonly LatestResults _latest;
    private readonly int _maxChecks;
    private readonly ILogger<CheckMetrics> _log;
    private int _warned;

    public CheckMetrics(Meter meter, LatestResults latest, ProbeTypes catalog, CheckFileStatus files, IOptions<MetricsOptions> options, ILogger<CheckMetrics> log)
    {
        _latest = latest;
        _maxChecks = options.Value.MaxChecks;
        _log = log;
        meter.CreateObservableGauge("probe_success", () => Observe(ProbeSuccess),
            description: "Whether the check's last run succeeded (1) or failed (0); absent while its state is unknown (probe_error).");
        meter.CreateObservableGauge("probe_duration_seconds", () => Observe(v => [Point(v.Result.Duration.TotalSeconds, v)]),
            unit: "s", description: "How long the check's last run took.");
        meter.CreateObservableGauge("sentinel_check_status", () => Observe(Status),
            description: "The state of the check's last run: 1 for the current state among up, degraded, down and unknown.");
        meter.CreateObservableGauge("sentinel_probe_phase_duration_seconds", () => Observe(Phases),
            unit: "s", description: "How long each phase of the check's last run took.");
        meter.CreateObservableGauge("sentinel_check_last_run_timestamp_seconds", () => Observe(v => [Point(v.Result.StartedAt.ToUnixTimeMilliseconds() / 1000.0, v)]),
            unit: "s", description: "When the check's last run started (Unix time); alert when it is older than a few intervals.");
        meter.CreateObservableCounter("sentinel_probe_failures_total", () => Observe(Failures),
            description: "Runs of the check that had a problem of each category, since it was scheduled on this node.");
        meter.CreateObservableCounter("sentinel_probe_errors_total", () => Observe(v => [Point(v.ProbeErrors, v)]),
            description: "Runs of the check whose state was unknown because of a fault on Sentinel's side (probe_error).");

        foreach (var descriptor in catalog.Metrics)
        {
            meter.CreateObservableGauge(descriptor.Name, () => Observe(v => Samples(v, descriptor)),
                unit: descriptor.Unit, description: descriptor.Help);
        }

        meter.CreateObservableGauge("sentinel_checks_scheduled", () => new Measurement<int>(CountChecks()),
            description: "Checks with at least one result on this node.");
        meter.CreateObservableGauge("sentinel_check_files", () => new[]
        {
            new Measurement<int>(files.ValidFiles, new KeyValuePair<string, object?>("state", "valid")),
            new Measurement<int>(files.InvalidFiles, new KeyValuePair<string, object?>("state", "invalid")),
        }, description: "Check files in the checks folder at the last sync, by state.");
    }

    private int CountChecks()
    {
        var count = _latest.Views.Count();
        if (count > _maxChecks && Interlocked.Exchange(ref _warned, 1) == 0)
        {
            Log.TooManyChecksForMetrics(_log, count, _maxChecks);
        }

        return count;
    }

    private List<Measurement<double>> Observe(Func<CheckView, IEnumerable<Measurement<double>>> select) =>
        _latest.Views.SelectMany(select).ToList();

    private static IEnumerable<Measurement<double>> ProbeSuccess(CheckView view) =>
        view.Result.Status == ProbeStatus.Unknown ? [] : [Point(view.Result.Success ? 1 : 0, view)];

    private static IEnumerable<Measurement<double>> Status(CheckView view)
    {
        var current = ProbeResultJson.Name(view.Result.Status);
        return States.Select(state => Point(state == current ? 1 : 0, view, ("status", state)));
    }

    private static IEnumerable<Measurement<double>> Phases(CheckView view) =>
        view.Result.Phases.Select(p => Point(p.Duration.TotalSeconds, view, ("phase", p.Name)));

    private static IEnumerable<Measurement<double>> Failures(CheckView view) =>
        view.ProblemCounts.Select(c => Point(c.Value, view, ("category", c.Key)));

    private static IEnumerable<Measurement<double>> Samples(CheckView view, MetricDescriptor descriptor) =>
        view.Result.Samples
            .Where(s => s.Metric == descriptor)
            .Select(s => Point(s.Value, view, descriptor.LabelNames.Zip(s.Labels).ToArray()));

    private static Measurement<double> Point(double value, CheckView view, params (string Name, string Value)[] extra)
    {
        var tags = new KeyValuePair<string, object?>[3 + extra.Length];
        tags[0] = new("check", view.Check.Id);
        tags[1] = new("type", view.Check.Type);
        tags[2] = new("target", view.Check.Target);
        for (var i = 0; i < extra.Length; i++)
        {
            tags[3 + i] = new(extra[i].Name, extra[i].Value);
        }

        return new Measurement<double>(value, tags);
    }
}
