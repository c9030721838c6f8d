using Sentinel.Probes.Audits;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// Header posture drift alerts, one per headers check or http check with an audit: <c>[DRIFT] &lt;check name&gt;
/// headers</c> at the first audit whose posture is weaker than the check's baseline (HSTS max-age lowered or the header
/// gone, includeSubDomains or preload dropped, CORS granting origins it did not, a security header removed), saying
/// what weakened; <c>[RESOLVED] &lt;check name&gt; headers</c> at the first audit that is no weaker again (the posture
/// restored, or accepted with <c>sentinel audit accept</c>). The baseline is the audit's own (<see cref="AuditBaseline"/>):
/// the strongest posture seen since it was taken or last accepted, so a weaker posture never becomes the baseline by
/// itself. Sent to the check's channels.
/// </summary>
internal sealed class HeaderDriftAlerts(AlertStore store, AlertPolicy policy)
{
    /// <summary>Follows the posture comparison of <paramref name="result"/>, if it has one; returns the change stored, or null.</summary>
    public async Task<AlertChange?> EvaluateAsync(CheckDefinition check, ProbeResult result, IReadOnlyList<string> channels, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Only an audit that compared its posture with a baseline says anything: not the first (it took the baseline),
        // nor an incomplete one.
        if (result.Details is not HttpDetails { Audit: AuditDetails { ComparedWith: not null, Posture: { } posture } audit })
        {
            return null;
        }

        var title = $"{check.Name} headers";
        var drifted = audit.Regressions.Count > 0;
        return await store.ApplyAsync(AlertKinds.HeaderDrift, check.Id, title, DriftRule.Severity, now,
            alert => DriftRule.Apply(alert, title, result, drifted, string.Join("; ", audit.Regressions), now),
            (before, decision) => Message(before, decision.Next, decision.Event!.Value, check, audit, posture, result),
            channels, cancellationToken).ConfigureAwait(false);
    }

    private AlertMessage Message(Alert before, Alert alert, AlertEvent @event, CheckDefinition check, AuditDetails audit, AuditPosture posture, ProbeResult result)
    {
        var lines = new List<string>();
        string subject;
        var what = $"{check.Name} ({check.Id}, {check.Type} {check.Target})";
        if (@event == AlertEvent.Resolved)
        {
            subject = $"[RESOLVED] {alert.Title}";
            lines.Add($"{what}: the header posture is no weaker than its baseline again since {AlertMessages.Time(result.StartedAt)}.");
            lines.Add($"It had weakened since {AlertMessages.Time(before.Since)} ({Duration.Format(AlertMessages.Whole(result.StartedAt - before.Since))}): {before.Reason}.");
            lines.Add(string.Empty);
            lines.Add($"Now:      {posture.Describe()}");
            lines.Add($"Baseline: {audit.BaselineDescribed} ({audit.ComparedWith})");
        }
        else
        {
            subject = $"[DRIFT] {alert.Title}";
            lines.Add($"{what}: the header posture is weaker than its baseline since {AlertMessages.Time(result.StartedAt)}.");
            lines.Add(string.Empty);
            lines.Add("What weakened:");
            lines.AddRange(audit.Regressions.Select(r => $"  {r}"));
            lines.Add(string.Empty);
            lines.Add($"Now:      {posture.Describe()}");
            lines.Add($"Baseline: {audit.BaselineDescribed} ({audit.ComparedWith})");
            lines.Add(string.Empty);
            lines.Add($"Hint: {Hint(check)}. Sentinel says [RESOLVED] once the posture is restored or accepted.");
        }

        return AlertMessages.ForCheck(subject, lines, alert, @event, check, result, policy.LinkTo(check.Id), alert.Since, AuditIds.PostureRegressed, Hint(check));
    }

    private static string Hint(CheckDefinition check) =>
        $"roll back the deploy or configuration change that weakened it; if the change is intended, make this posture the baseline with: sentinel audit accept {check.Id}";
}
