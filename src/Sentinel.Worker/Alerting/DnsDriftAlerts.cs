using Sentinel.Probes.Checks;
using Sentinel.Probes.Dns;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// DNS drift alerts, one per dns check with <c>"drift": "baseline"</c> and its record type: <c>[DRIFT] &lt;check name&gt;
/// &lt;type&gt;</c> at the first answer that differs from the baseline, listing the records added and removed and the
/// server that answered; <c>[RESOLVED] &lt;check name&gt; &lt;type&gt;</c> at the first answer that matches a baseline
/// again, whether the zone went back or <c>sentinel dns accept</c> took the new answer as the baseline. Sent to
/// <c>Sentinel:Alerting:Dns:Notify</c>.
/// </summary>
internal sealed class DnsDriftAlerts(AlertStore store, AlertPolicy policy)
{
    /// <summary>Follows the drift verdict of <paramref name="result"/>, if it has one; returns the change stored, or null.</summary>
    public async Task<AlertChange?> EvaluateAsync(CheckDefinition check, ProbeResult result, IReadOnlyList<string> channels, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A carried verdict repeats what an earlier result said; only a run that compared answers can change the alert.
        if (result.Details is not DnsDetails { Drift: { Carried: false, Drifted: { } drifted } drift } details)
        {
            return null;
        }

        var type = details.Query.Type.ToString();
        var title = $"{check.Name} {type}";
        return await store.ApplyAsync(AlertKinds.DnsDrift, Key(check.Id, type), title, DriftRule.Severity, now,
            alert => DriftRule.Apply(alert, title, result, drifted, FailureCategories.DnsDrift, now),
            (before, decision) => Message(before, decision.Next, decision.Event!.Value, check, details, drift, result),
            channels, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The alert's key: the check's id and the record type, e.g. <c>www-dns:A</c>.</summary>
    public static string Key(string checkId, string type) => $"{checkId}:{type}";

    private AlertMessage Message(Alert before, Alert alert, AlertEvent @event, CheckDefinition check, DnsDetails details, DnsDriftOutcome drift, ProbeResult result)
    {
        var question = details.Query.ToString();
        var baseline = drift.Baseline!;
        var lines = new List<string>();
        string subject;
        var what = $"{check.Name} ({check.Id}, dns {check.Target})";
        if (@event == AlertEvent.Resolved)
        {
            subject = $"[RESOLVED] {alert.Title}";

            // The baseline stored after the alert fired was taken by someone: the drifted answer was accepted.
            var accepted = drift.Since is { } stored && stored > before.Since;
            lines.Add(accepted
                ? $"{what}: the answer for {question} became the baseline at {AlertMessages.Time(drift.Since!.Value)} ({drift.By})."
                : $"{what}: the answer for {question} matches the baseline again since {AlertMessages.Time(result.StartedAt)}.");
            lines.Add($"It had drifted since {AlertMessages.Time(before.Since)} ({Duration.Format(AlertMessages.Whole(result.StartedAt - before.Since))}).");
            lines.Add(string.Empty);
            lines.Add($"Baseline ({baseline.Answers.Count} record{(baseline.Answers.Count == 1 ? "" : "s")}):");
            lines.AddRange(Records(baseline.Answers));
        }
        else
        {
            subject = $"[DRIFT] {alert.Title}";
            lines.Add($"{what}: the answer for {question} drifted from the baseline stored {Stored(drift)}.");
            foreach (var change in drift.Changes ?? [])
            {
                lines.Add(string.Empty);
                lines.Add($"Server{(change.Servers.Count == 1 ? "" : "s")}: {string.Join(", ", change.Servers)}");
                lines.Add($"Added ({change.Added.Count}):");
                lines.AddRange(Records(change.Added));
                lines.Add($"Removed ({change.Removed.Count}):");
                lines.AddRange(Records(change.Removed));
            }

            lines.Add(string.Empty);
            lines.Add($"Baseline ({baseline.Answers.Count} record{(baseline.Answers.Count == 1 ? "" : "s")}):");
            lines.AddRange(Records(baseline.Answers));
            lines.Add(string.Empty);
            lines.Add($"Hint: {Hint(check)}. Sentinel says [RESOLVED] once the answer matches a baseline again.");
        }

        return AlertMessages.ForCheck(subject, lines, alert, @event, check, result, policy.LinkTo(check.Id), alert.Since, FailureCategories.DnsDrift, Hint(check));
    }

    private static string Hint(CheckDefinition check) =>
        $"if the change is intended, make it the new baseline with: sentinel dns accept {check.Id}; otherwise find out who changed the zone";

    private static string Stored(DnsDriftOutcome drift) =>
        drift.Since is { } since ? $"{AlertMessages.Time(since)} by {drift.By}" : $"by {drift.By}";

    private static IEnumerable<string> Records(IReadOnlyList<string> records) => records.Count == 0 ? ["  (none)"] : records.Select(r => $"  {r}");
}
