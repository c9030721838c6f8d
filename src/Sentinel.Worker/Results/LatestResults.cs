using System.Collections.Concurrent;
using System.Collections.Immutable;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Results;

/// <summary>
/// The latest result of every enabled check, with per-check failure counts: what <c>/metrics</c> reports. It keeps
/// itself to the enabled checks of the checks table (<see cref="LatestResultsSync"/> calls <see cref="RetainOnly"/> at
/// every change), so a removed or disabled check's series disappear on any node, whether it schedules checks or not.
/// </summary>
internal sealed class LatestResults
{
    private readonly ConcurrentDictionary<string, CheckView> _views = new(StringComparer.Ordinal);

    /// <summary>The enabled checks at the last <see cref="RetainOnly"/>; null until the checks table was first read.</summary>
    private volatile IReadOnlySet<string>? _enabled;

    /// <summary>
    /// Every enabled check's latest view. A result recorded for a check that is not enabled (a run that was under
    /// way when its check was removed) stays out of it: the check must not come back to <c>/metrics</c>.
    /// </summary>
    public IEnumerable<CheckView> Views => _enabled is { } enabled ? _views.Values.Where(v => enabled.Contains(v.Check.Id)) : _views.Values;

    /// <summary>Records a result; returns the previous view of the check, if any.</summary>
    public CheckView? Record(CheckDefinition check, ProbeResult result)
    {
        CheckView? previous = null;
        _views.AddOrUpdate(
            check.Id,
            _ => CheckView.First(check, result),
            (_, old) =>
            {
                previous = old;
                return old.Next(check, result);
            });
        return previous;
    }

    /// <summary>
    /// Puts a stored latest result (read from <c>check_latest</c> at start-up) in the view of a check that has none yet,
    /// so that <c>/metrics</c> is not empty until every check has run again; a result recorded meanwhile is newer and
    /// stays. Its counts start at zero: they count this node's runs. Returns whether it was put.
    /// </summary>
    public bool Restore(CheckDefinition check, ProbeResult result) => _views.TryAdd(check.Id, CheckView.Restored(check, result));

    /// <summary>
    /// Puts a stored latest result that another node ran (read from <c>check_latest</c>) in the view when it is newer than
    /// the view's, keeping this node's counts. Returns whether it was put.
    /// </summary>
    public bool Refresh(CheckDefinition check, ProbeResult result)
    {
        var put = false;
        _views.AddOrUpdate(
            check.Id,
            _ =>
            {
                put = true;
                return CheckView.Restored(check, result);
            },
            (_, old) =>
            {
                put = result.StartedAt > old.Result.StartedAt;
                return put ? old with { Check = check, Result = result } : old;
            });
        return put;
    }

    /// <summary>
    /// Keeps only the checks in <paramref name="enabled"/>, the enabled checks of the checks table: the views of others
    /// are dropped, and until the next call, results recorded for others are kept out of <see cref="Views"/>.
    /// </summary>
    public void RetainOnly(IReadOnlySet<string> enabled)
    {
        _enabled = enabled;
        foreach (var id in _views.Keys)
        {
            if (!enabled.Contains(id))
            {
                _views.TryRemove(id, out _);
            }
        }
    }

    public bool TryGet(string checkId, out CheckView view) => _views.TryGetValue(checkId, out view!);
}

/// <summary>A check's latest result and how often each failure category has occurred since it was scheduled.</summary>
internal sealed record CheckView(
    CheckDefinition Check,
    ProbeResult Result,
    ImmutableDictionary<string, long> ProblemCounts,
    long ProbeErrors,
    long Runs)
{
    public static CheckView First(CheckDefinition check, ProbeResult result) => Restored(check, result).Next(check, result);

    /// <summary>A view of a result this node did not run (a stored one): nothing counted yet.</summary>
    public static CheckView Restored(CheckDefinition check, ProbeResult result) =>
        new(check, result, ImmutableDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal), 0, 0);

    public CheckView Next(CheckDefinition check, ProbeResult result)
    {
        var counts = ProblemCounts;
        foreach (var category in result.Problems.Select(p => p.Category).Distinct(StringComparer.Ordinal))
        {
            counts = counts.SetItem(category, counts.GetValueOrDefault(category) + 1);
        }

        return new CheckView(check, result, counts, ProbeErrors + (result.Status == ProbeStatus.Unknown ? 1 : 0), Runs + 1);
    }
}
