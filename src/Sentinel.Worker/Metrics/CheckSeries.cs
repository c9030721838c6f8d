using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Worker.Results;

namespace Sentinel.Worker.Metrics;

/// <summary>
/// The per-check series of <c>/metrics</c>, written at scrape time straight from the latest-result view in the text
/// format: nothing is kept between scrapes, so a removed check's series are gone from the next scrape, and memory does
/// not grow with the fleet beyond the view itself. Names follow blackbox_exporter where the concept matches; every
/// series carries <c>instance</c>, <c>job</c> and <c>type</c> (<see cref="CheckLabels"/>), and the check's name and
/// user labels are on <c>sentinel_check_info</c>.
/// </summary>
internal sealed class CheckSeries(LatestResults latest, ProbeTypes catalog, IOptions<MetricsOptions> options, ILogger<CheckSeries> log)
{
    private static readonly string[] States = ["up", "degraded", "down", "unknown"];

    private static readonly Dictionary<string, string> LayerOf =
        FailureCategories.All.ToDictionary(c => c.Name, c => c.Layer, StringComparer.Ordinal);

    /// <summary>The series every check has, whatever its type, with their help texts (the README's table lists them too).</summary>
    public static IReadOnlyList<(string Name, string Type, string Help)> Families { get; } =
    [
        ("sentinel_check_info", "gauge", "The check's name and user labels; always 1. Join with * on(job) group_left(team) sentinel_check_info."),
        ("probe_success", "gauge", "Whether the check's last run succeeded (1) or failed (0); absent while its state is unknown (probe_error)."),
        ("probe_duration_seconds", "gauge", "How long the check's last run took."),
        ("sentinel_check_status", "gauge", "The state of the check's last run: 1 for the current state among up, degraded, down and unknown."),
        ("sentinel_check_problem", "gauge", "1 for each category of problem the check's last run had, with its layer and severity (error or warning)."),
        ("sentinel_probe_phase_duration_seconds", "gauge", "How long each phase of the check's last run took."),
        ("sentinel_check_last_run_timestamp_seconds", "gauge", "When the check's last run started (Unix time); alert when it is older than a few intervals."),
        ("sentinel_probe_failures_total", "counter", "Runs of the check that had a problem of each category, with its layer, since it was scheduled on this node."),
        ("sentinel_probe_errors_total", "counter", "Runs of the check whose state was unknown because of a fault on Sentinel's side (probe_error)."),
    ];

    private readonly int _maxChecks = options.Value.MaxChecks;
    private readonly (string Name, string Help)[] _probeFamilies = ProbeFamilies(catalog);

    /// <summary>Each probe-declared family's position in <see cref="_probeFamilies"/>, by name.</summary>
    private readonly Dictionary<string, int> _familyIndex = ProbeFamilies(catalog)
        .Select((family, index) => (family.Name, index)).ToDictionary(p => p.Name, p => p.index, StringComparer.Ordinal);

    /// <summary>
    /// The same by the catalog's own descriptors, which samples carry: a reference is hashed faster than a name, and a
    /// fleet's scrape looks up hundreds of thousands of samples.
    /// </summary>
    private readonly Dictionary<MetricDescriptor, int> _descriptorIndex = DescriptorIndex(catalog);

    private int _warned;

    /// <summary>
    /// Writes every check's series to <paramref name="destination"/> as they are written, a few chunks at a time, so
    /// that a fleet's scrape holds a few chunks of text, not the whole of it.
    /// </summary>
    public async Task WriteToAsync(Stream destination, CancellationToken cancellationToken)
    {
        var views = Select();
        var ids = new byte[views.Length][];
        var statuses = new ProbeStatus[views.Length];
        for (var i = 0; i < views.Length; i++)
        {
            ids[i] = CheckLabels.Identity(views[i].Check);

            // Computed from the problems at every read: once per check here.
            statuses[i] = views[i].Result.Status;
        }

        using var buffer = new ExpositionBuffer();
        var w = new Writer(buffer, ids, destination, cancellationToken);
        w.Begin(Families[0]);
        for (var i = 0; i < views.Length; i++)
        {
            await w.DrainAsync().ConfigureAwait(false);
            w.Line(i, 1, CheckLabels.InfoLabels(views[i].Check));
        }

        w.Begin(Families[1]);
        for (var i = 0; i < views.Length; i++)
        {
            if (statuses[i] != ProbeStatus.Unknown)
            {
                w.Line(i, statuses[i] is ProbeStatus.Up or ProbeStatus.Degraded ? 1 : 0);
            }
        }

        await w.DrainAsync().ConfigureAwait(false);
        w.Begin(Families[2]);
        for (var i = 0; i < views.Length; i++)
        {
            w.Line(i, views[i].Result.Duration.TotalSeconds);
        }

        await w.DrainAsync().ConfigureAwait(false);
        w.Begin(Families[3]);
        for (var i = 0; i < views.Length; i++)
        {
            await w.DrainAsync().ConfigureAwait(false);
            var current = ProbeResultJson.Name(statuses[i]);
            foreach (var state in States)
            {
                w.Line(i, state == current ? 1 : 0, "status", state);
            }
        }

        w.Begin(Families[4]);
        for (var i = 0; i < views.Length; i++)
        {
            await w.DrainAsync().ConfigureAwait(false);
            var problems = views[i].Result.Problems;
            for (var p = 0; p < problems.Count; p++)
            {
                if (!Seen(problems, p))
                {
                    var severity = problems[p].Severity == ProblemSeverity.Error ? "error" : "warning";
                    w.Line(i, 1, "category", problems[p].Category, "layer", Layer(problems[p].Category), "severity", severity);
                }
            }
        }

        w.Begin(Families[5]);
        for (var i = 0; i < views.Length; i++)
        {
            await w.DrainAsync().ConfigureAwait(false);
            var phases = views[i].Result.Phases;
            for (var p = 0; p < phases.Count; p++)
            {
                w.Line(i, phases[p].Duration.TotalSeconds, "phase", phases[p].Name);
            }
        }

        await w.DrainAsync().ConfigureAwait(false);
        w.Begin(Families[6]);
        for (var i = 0; i < views.Length; i++)
        {
            w.Line(i, views[i].Result.StartedAt.ToUnixTimeMilliseconds() / 1000.0);
        }

        w.Begin(Families[7]);
        for (var i = 0; i < views.Length; i++)
        {
            await w.DrainAsync().ConfigureAwait(false);
            foreach (var (category, count) in views[i].ProblemCounts)
            {
                w.Line(i, count, "category", category, "layer", Layer(category));
            }
        }

        await w.DrainAsync().ConfigureAwait(false);
        w.Begin(Families[8]);
        for (var i = 0; i < views.Length; i++)
        {
            w.Line(i, views[i].ProbeErrors);
        }

        await WriteProbeSamplesAsync(w, views).ConfigureAwait(false);
        await buffer.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether an earlier problem of the run had the same category and severity (one series for both).</summary>
    private static bool Seen(IReadOnlyList<Problem> problems, int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (problems[i].Category == problems[index].Category && problems[i].Severity == problems[index].Severity)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The probe-declared series, family by family. The samples are grouped by a counting sort into pooled arrays of
    /// indexes: a fleet has hundreds of thousands of samples, and lists of them would be garbage the collector copies
    /// from one generation to the next during every scrape.
    /// </summary>
    private async Task WriteProbeSamplesAsync(Writer w, CheckView[] views)
    {
        var descriptorIndex = _descriptorIndex;
        var total = 0;
        foreach (var view in views)
        {
            total += view.Result.Samples.Count;
        }

        var family = ArrayPool<int>.Shared.Rent(total);
        var byFamily = ArrayPool<int>.Shared.Rent(total);
        var starts = new int[_probeFamilies.Length + 1];
        try
        {
            // Each sample's family (-1 for a series no type declares), counted per family.
            var k = 0;
            foreach (var view in views)
            {
                var samples = view.Result.Samples;
                for (var s = 0; s < samples.Count; s++, k++)
                {
                    var metric = samples[s].Metric;
                    family[k] = descriptorIndex.TryGetValue(metric, out var f) || _familyIndex.TryGetValue(metric.Name, out f) ? f : -1;
                    if (family[k] >= 0)
                    {
                        starts[family[k] + 1]++;
                    }
                }
            }

            for (var f = 0; f < _probeFamilies.Length; f++)
            {
                starts[f + 1] += starts[f];
            }

            // byFamily lists the samples' positions (k) family by family, in check order within each family.
            var next = (int[])starts.Clone();
            for (k = 0; k < total; k++)
            {
                if (family[k] >= 0)
                {
                    byFamily[next[family[k]]++] = k;
                }
            }

            // From a position back to its check and sample: checks' first positions, searched as positions rise.
            var first = new int[views.Length + 1];
            for (var v = 0; v < views.Length; v++)
            {
                first[v + 1] = first[v] + views[v].Result.Samples.Count;
            }

            for (var f = 0; f < _probeFamilies.Length; f++)
            {
                await w.SamplesAsync(_probeFamilies[f].Name, _probeFamilies[f].Help, views, first, byFamily, starts[f], starts[f + 1]).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(family);
            ArrayPool<int>.Shared.Return(byFamily);
        }
    }

    private static bool SameLabels(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        for (var i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The checks to export, in id order: a stable order, and one that puts checks of one kind side by side, which gzip
    /// compresses by a third better than the view's own order. Past <see cref="MetricsOptions.MaxChecks"/> the rest are
    /// left out, with a warning once.
    /// </summary>
    private CheckView[] Select()
    {
        var views = latest.Views.ToArray();
        var ids = new string[views.Length];
        for (var i = 0; i < views.Length; i++)
        {
            ids[i] = views[i].Check.Id;
        }

        Array.Sort(ids, views, StringComparer.Ordinal);
        if (views.Length <= _maxChecks)
        {
            return views;
        }

        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            Log.TooManyChecksForMetrics(log, views.Length, _maxChecks);
        }

        return views[.._maxChecks];
    }

    /// <summary>The series the catalog's probe types declare, one family per name, in the catalog's order.</summary>
    private static (string Name, string Help)[] ProbeFamilies(ProbeTypes catalog) =>
        catalog.Metrics.GroupBy(m => m.Name, StringComparer.Ordinal).Select(g => (g.Key, g.First().Help)).ToArray();

    private static Dictionary<MetricDescriptor, int> DescriptorIndex(ProbeTypes catalog)
    {
        var byName = ProbeFamilies(catalog).Select((family, index) => (family.Name, index)).ToDictionary(p => p.Name, p => p.index, StringComparer.Ordinal);
        var index = new Dictionary<MetricDescriptor, int>(ReferenceEqualityComparer.Instance);
        foreach (var metric in catalog.Metrics)
        {
            index.TryAdd(metric, byName[metric.Name]);
        }

        return index;
    }

    private static string Layer(string category) => LayerOf.GetValueOrDefault(category, Layers.Probe);

    /// <summary>Writes families of per-check samples: a family's header once, before its first sample.</summary>
    private sealed class Writer(ExpositionBuffer buffer, byte[][] ids, Stream destination, CancellationToken cancellationToken)
    {
        private (string Name, string Type, string Help) _family;
        private byte[] _name = [];
        private bool _header;

        /// <summary>Starts a family; its header is written with its first sample, so a family without any has none.</summary>
        public void Begin((string Name, string Type, string Help) family)
        {
            _family = family;
            _name = Encoding.UTF8.GetBytes(family.Name);
            _header = false;
        }

        /// <summary>Passes the full chunks on to the response, once there are a few (<see cref="ExpositionBuffer.DrainAsync"/>).</summary>
        public ValueTask DrainAsync() => buffer.DrainAsync(destination, cancellationToken);

        public void Line(int view, double value)
        {
            Start(view);
            buffer.EndSample(value);
        }

        public void Line(int view, double value, string label, string text)
        {
            Start(view);
            buffer.Label(label, text);
            buffer.EndSample(value);
        }

        public void Line(int view, double value, string label1, string text1, string label2, string text2)
        {
            Start(view);
            buffer.Label(label1, text1);
            buffer.Label(label2, text2);
            buffer.EndSample(value);
        }

        public void Line(int view, double value, string label1, string text1, string label2, string text2, string label3, string text3)
        {
            Start(view);
            buffer.Label(label1, text1);
            buffer.Label(label2, text2);
            buffer.Label(label3, text3);
            buffer.EndSample(value);
        }

        public void Line(int view, double value, IReadOnlyList<(string Name, string Value)> labels)
        {
            Start(view);
            for (var i = 0; i < labels.Count; i++)
            {
                buffer.Label(labels[i].Name, labels[i].Value);
            }

            buffer.EndSample(value);
        }

        /// <summary>
        /// The samples of one probe-declared family, with their own label names: <paramref name="positions"/> from
        /// <paramref name="start"/> to <paramref name="end"/>, in check order, each found in its check by
        /// <paramref name="first"/> (each check's first position). A probe that recorded the same series twice in one
        /// run (resolving again after a redirect) exports the last value once, as a gauge set twice would: a scrape
        /// with a duplicate series is rejected whole.
        /// </summary>
        public async ValueTask SamplesAsync(string name, string help, CheckView[] views, int[] first, int[] positions, int start, int end)
        {
            Begin((name, "gauge", help));
            var view = 0;
            for (var p = start; p < end; p++)
            {
                await DrainAsync().ConfigureAwait(false);
                while (first[view + 1] <= positions[p])
                {
                    view++;
                }

                var samples = views[view].Result.Samples;
                var sample = samples[positions[p] - first[view]];
                if (RecordedAgain(samples, positions.AsSpan(p + 1, end - p - 1), first[view + 1], first[view], sample))
                {
                    continue;
                }

                Start(view);
                var names = sample.Metric.LabelNames;
                for (var i = 0; i < names.Count; i++)
                {
                    buffer.Label(names[i], sample.Labels[i]);
                }

                buffer.EndSample(sample.Value);
            }
        }

        /// <summary>Whether a later sample (<paramref name="later"/>) of the same check and family has the same labels.</summary>
        private static bool RecordedAgain(IReadOnlyList<MetricSample> samples, ReadOnlySpan<int> later, int end, int offset, MetricSample sample)
        {
            for (var q = 0; q < later.Length && later[q] < end; q++)
            {
                if (SameLabels(samples[later[q] - offset].Labels, sample.Labels))
                {
                    return true;
                }
            }

            return false;
        }

        private void Start(int view)
        {
            if (!_header)
            {
                buffer.Family(_family.Name, _family.Help, _family.Type);
                _header = true;
            }

            buffer.Bytes(_name);
            buffer.Byte((byte)'{');
            buffer.Bytes(ids[view]);
        }
    }
}
