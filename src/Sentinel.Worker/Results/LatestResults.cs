using System.Collections.Concurrent;
using System.Collections.Immutable;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Results;

/// <summary>
/// The latest result of every scheduled check, with per-check failure counts: what <c>/metrics</c> reports.
/// A check removed from the schedule is removed here, so its series disappear.
/// </summary>
internal sealed class LatestResults
{
    private readonly ConcurrentDictionary<string, CheckView> _views = new(StringComparer.Ordinal);

    /// <summary>Every check's latest view.</summary>
    public IEnumerable<CheckView> Views => _views.Values;

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

    /// <summary>Forgets a check that is no longer scheduled.</summary>
    public void Remove(string checkId) => _views.TryRemove(checkId, out _);

    /// <summary>Keeps only the checks in <paramref name="checkIds"/>.</summary>
    public void RetainOnly(IReadOnlySet<string> checkIds)
    {
        foreach (var id in _views.Keys)
        {
            if (!checkIds.Contains(id))
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
    public static CheckView First(CheckDefinition check, ProbeResult result) =>
        new CheckView(check, result, ImmutableDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal), 0, 0).Next(check, result);

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
