namespace Sentinel.Worker.Storage;

/// <summary>
/// Since when each check of a batch has had its newest status, as far as the batch tells: the start of the newest run of
/// equal statuses among the check's rows, and whether that run reaches back to the check's oldest row of the batch
/// (then the state may have begun before the batch, and the stored <c>check_latest.status_since</c> carries over when
/// the stored status is the same).
/// </summary>
internal static class StatusRuns
{
    /// <summary>The run of each check's newest row, by that row's id.</summary>
    public static Dictionary<Guid, StatusRun> Of(IReadOnlyList<ResultRow> batch)
    {
        var runs = new Dictionary<Guid, StatusRun>();
        foreach (var rows in batch.GroupBy(r => r.CheckId, StringComparer.Ordinal))
        {
            var ordered = rows.OrderByDescending(r => r.StartedAt).ToList();
            var newest = ordered[0];
            var since = newest.StartedAt;
            var index = 1;
            while (index < ordered.Count && ordered[index].Status == newest.Status)
            {
                since = ordered[index].StartedAt;
                index++;
            }

            runs[newest.Id] = new StatusRun(since, index == ordered.Count);
        }

        return runs;
    }
}

/// <summary>Where a check's newest run of equal statuses begins in a batch, and whether it begins with the batch.</summary>
/// <param name="Since">The first row of the run.</param>
/// <param name="Continues">Whether every row of the check in the batch has that status.</param>
internal readonly record struct StatusRun(DateTimeOffset Since, bool Continues);
