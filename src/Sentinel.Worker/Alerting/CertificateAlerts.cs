using System.Globalization;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// Certificate expiry alerts, one per certificate (by its leaf's SHA-256 fingerprint) across every check that serves
/// it: <c>[EXPIRING]</c> once per threshold crossed (the configured days, and the fraction of the certificate's own
/// lifetime), one message when several are crossed at once, naming the checks that serve it; <c>[RENEWED]</c> once
/// every one of those checks serves another certificate.
/// </summary>
internal sealed class CertificateAlerts(AlertStore store, AlertPolicy policy)
{
    /// <summary>Follows the certificate <paramref name="result"/> shows, if any; returns the changes stored.</summary>
    public async Task<IReadOnlyList<AlertChange>> EvaluateAsync(CheckDefinition check, ProbeResult result, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (ServedCertificate.Of(result) is not { } served)
        {
            return [];
        }

        var changes = new List<AlertChange>();
        if (await store.ServeAsync(check.Id, served.Fingerprint, now, cancellationToken).ConfigureAwait(false) is { } renewed)
        {
            var change = await store.ApplyAsync(AlertKinds.CertificateExpiring, renewed, renewed, "warning", now,
                alert => alert.State == AlertState.Firing
                    ? new AlertDecision(alert with { State = AlertState.Resolved, Since = now, Sequence = alert.Sequence + 1, LastNotifiedAt = now, UpdatedAt = now }, AlertEvent.Resolved)
                    : null,
                (before, decision) => Renewed(before, decision.Next, check, served, now),
                policy.CertificateChannels, cancellationToken).ConfigureAwait(false);
            if (change is not null)
            {
                changes.Add(change);
            }
        }

        var options = policy.Options.Certificates;
        var crossed = served.Crossed(now, options.EffectiveDays, options.LifetimeFraction);
        if (crossed.Count > 0)
        {
            var days = served.DaysLeft(now);
            var severity = days <= 7 ? "critical" : "warning";
            var serving = await store.ServingAsync(served.Fingerprint, cancellationToken).ConfigureAwait(false);
            var change = await store.ApplyAsync(AlertKinds.CertificateExpiring, served.Fingerprint, served.Name, severity, now,
                alert => Decide(alert, crossed, served, severity, result, now),
                (_, decision) => Expiring(decision.Next, served, crossed.Except(Notified(decision.Next.Memory)).ToList(), serving, days, now),
                policy.CertificateChannels, cancellationToken).ConfigureAwait(false);
            if (change is not null)
            {
                changes.Add(change);
            }
        }

        return changes;
    }

    private static AlertDecision? Decide(Alert alert, IReadOnlyList<string> crossed, ServedCertificate served, string severity, ProbeResult result, DateTimeOffset now)
    {
        var notified = alert.State == AlertState.Firing ? Notified(alert.Memory) : [];
        var fresh = crossed.Except(notified).ToList();
        if (fresh.Count == 0)
        {
            return null;
        }

        // The memory is written after the message is rendered from the row before it, so the new thresholds are in the message.
        return new AlertDecision(alert with
        {
            Title = served.Name,
            Severity = severity,
            State = AlertState.Firing,
            Since = alert.State == AlertState.Firing ? alert.Since : now,
            Sequence = alert.Sequence + 1,
            LastNotifiedAt = now,
            UpdatedAt = now,
            TriggerResultId = result.Id,
            Reason = string.Join(",", fresh),
            Memory = string.Join(",", notified.Concat(fresh)),
        }, AlertEvent.Firing);
    }

    private static List<string> Notified(string memory) => memory.Length == 0 ? [] : [.. memory.Split(',')];

    private AlertMessage Expiring(Alert alert, ServedCertificate served, IReadOnlyList<string> fresh, IReadOnlyList<string> serving, int days, DateTimeOffset now)
    {
        // The row passed here is the one after the change; its reason holds the thresholds this message is about.
        var thresholds = (alert.Reason ?? string.Join(",", fresh)).Split(',').Select(t => t == "lifetime"
            ? $"less than {policy.Options.Certificates.LifetimeFraction.ToString("0.##", CultureInfo.InvariantCulture)} of its lifetime left"
            : t == "1" ? "1 day" : $"{t} days").ToList();
        var subject = $"[EXPIRING] {served.Name} in {days} day{(days == 1 ? "" : "s")}";
        var lines = new List<string>
        {
            $"The certificate {served.Name} (SHA-256 {served.Fingerprint}) expires in {days} day{(days == 1 ? "" : "s")}: {served.Earliest} is valid until {AlertMessages.Time(served.NotAfter)}.",
            $"Threshold{(thresholds.Count == 1 ? "" : "s")} crossed: {string.Join(", ", thresholds)}.",
            string.Empty,
            $"Served by {serving.Count} check{(serving.Count == 1 ? "" : "s")}:",
        };
        lines.AddRange(serving.Select(id => $"  {id}{(policy.LinkTo(id) is { } link ? $"  {link}" : "")}"));
        lines.Add(string.Empty);
        lines.Add("Hint: renew it, install the renewed chain on every server above, and reload them; Sentinel says [RENEWED] once none serves this certificate.");
        lines.Add(string.Empty);
        lines.Add(AlertMessages.Identity(alert));
        return AlertMessages.Render(subject, lines, new AlertPayload
        {
            Event = "firing",
            Kind = alert.Kind,
            Key = alert.Key,
            Title = alert.Title,
            Severity = alert.Severity,
            Since = alert.Since,
            Subject = subject,
            Text = string.Empty,
            Category = "certificate_expiring",
        });
    }

    private static AlertMessage Renewed(Alert before, Alert after, CheckDefinition check, ServedCertificate now, DateTimeOffset at)
    {
        var subject = $"[RENEWED] {before.Title}";
        var lines = new List<string>
        {
            $"No check serves the certificate {before.Title} (SHA-256 {before.Key}) any more since {AlertMessages.Time(at)}.",
            $"The last one, {check.Id}, now serves {now.Name} (SHA-256 {now.Fingerprint}), valid until {AlertMessages.Time(now.NotAfter)}.",
            string.Empty,
            $"Severity: {after.Severity}; alert {after.Kind} {after.Key}, notification {after.Sequence}.",
        };
        return AlertMessages.Render(subject, lines, new AlertPayload
        {
            Event = "resolved",
            Kind = after.Kind,
            Key = after.Key,
            Title = after.Title,
            Severity = after.Severity,
            Since = at,
            Subject = subject,
            Text = string.Empty,
            Category = "certificate_expiring",
        });
    }
}
