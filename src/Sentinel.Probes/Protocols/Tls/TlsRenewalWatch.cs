using System.Text.Json;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// <c>tls_renewal_overdue</c>: an automatically renewed certificate (a lifetime of at most 90 days, as ACME CAs
/// issue) is renewed by its client when about a third of its life is left (certbot at 30 of 90 days from a
/// twice-daily timer with up to 12 hours of random delay, cert-manager at exactly two thirds, Let's Encrypt's
/// advice). A leaf that is still the same, by fingerprint, a grace period after that renewal point, and that an
/// earlier run already saw past the point, was not renewed when due: the renewal job is probably broken, weeks
/// before expiry. The grace, <see cref="Grace"/>, leaves room for a renewal on time that the server reloads a
/// little later; the first run past the point only records the fingerprint (in the check's state).
/// </summary>
internal static class TlsRenewalWatch
{
    /// <summary>The state key under which the fingerprint is kept per check.</summary>
    public const string StateKey = "tls.renewal";

    /// <summary>The longest lifetime treated as automatically renewed: 90 days.</summary>
    public static readonly TimeSpan AutomaticLifetime = TimeSpan.FromDays(90);

    /// <summary>
    /// How long past the renewal point a certificate may stay unchanged before it counts as overdue: 5 % of its
    /// lifetime, at least 2 days (a day of certbot's timer and delay, and a reload), at most a sixth of the
    /// lifetime (half of the third left at the point), so that short-lived certificates still warn before they
    /// expire. A 90-day certificate: 4.5 days; 30 days: 2 days; 7 days: 1.2 days.
    /// </summary>
    public static TimeSpan Grace(TimeSpan lifetime)
    {
        var grace = lifetime * 0.05 > TimeSpan.FromDays(2) ? lifetime * 0.05 : TimeSpan.FromDays(2);
        return grace < lifetime / 6 ? grace : lifetime / 6;
    }

    /// <summary>
    /// Checks the leaf and records what it saw; returns the warning, or null. A store that fails only costs the
    /// warning: the verdict is a hint, not worth failing the run for.
    /// </summary>
    public static async ValueTask<Problem?> CheckAsync(CertificateFacts leaf, string checkId, ProbeContext context, CancellationToken cancellationToken)
    {
        var now = context.Time.GetUtcNow();
        var lifetime = leaf.NotAfter - leaf.NotBefore;
        var left = leaf.NotAfter - now;
        if (lifetime > AutomaticLifetime || lifetime <= TimeSpan.Zero || left <= TimeSpan.Zero || left >= lifetime / 3
            || cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        try
        {
            var stored = await context.State.GetAsync(checkId, StateKey, cancellationToken).ConfigureAwait(false);
            var seen = stored is null ? null : Read(stored.Json);
            var renewalPoint = leaf.NotAfter - lifetime / 3;
            if (seen is { } s && s.Fingerprint == leaf.Sha256 && s.Since < now && now >= renewalPoint + Grace(lifetime))
            {
                return new Problem(Layers.Tls, FailureCategories.TlsRenewalOverdue,
                    $"the leaf certificate ({leaf.Subject}) has {TlsVerdicts.Days(left.TotalDays)} left of its {Math.Round(lifetime.TotalDays).ToString(System.Globalization.CultureInfo.InvariantCulture)}-day lifetime, less than a third since {TlsVerdicts.Date(renewalPoint)}, and has not changed since {TlsVerdicts.Date(s.Since)}; it expires on {TlsVerdicts.Date(leaf.NotAfter)}",
                    "its automatic renewal (certbot, cert-manager, an ACME client) seems to have stopped: check the renewal job's logs and timers, and that the server reloads renewed certificates",
                    ProblemSeverity.Warning);
            }

            if (seen?.Fingerprint != leaf.Sha256)
            {
                var json = JsonSerializer.Serialize(new Seen(leaf.Sha256, now), TlsJsonContext.Default.Seen);
                await context.State.SetAsync(checkId, StateKey, json, context.Node, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            // The state store (PostgreSQL in the daemon) may be away for a while, or the run's deadline came: the
            // run's verdicts do not need it, and the next run looks again.
        }

        return null;
    }

    private static Seen? Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, TlsJsonContext.Default.Seen);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The fingerprint of the leaf and when a run first found it past two thirds of its life.</summary>
    internal sealed record Seen(string Fingerprint, DateTimeOffset Since);
}
