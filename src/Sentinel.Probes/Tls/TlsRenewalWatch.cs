using System.Text.Json;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Tls;

/// <summary>
/// <c>tls_renewal_overdue</c>: an automatically renewed certificate (a lifetime of at most 90 days, as ACME CAs
/// issue) is renewed by its client when about a third of its life is left (certbot at 30 of 90 days, Let's
/// Encrypt's advice). A leaf past that point whose fingerprint is the same as at an earlier run that already
/// found it past the point was not renewed when due: the renewal job is probably broken, weeks before expiry.
/// The first run past the point only records the fingerprint (in the check's state), so a certificate renewed
/// right on time never warns.
/// </summary>
internal static class TlsRenewalWatch
{
    /// <summary>The state key under which the fingerprint is kept per check.</summary>
    public const string StateKey = "tls.renewal";

    /// <summary>The longest lifetime treated as automatically renewed: 90 days.</summary>
    public static readonly TimeSpan AutomaticLifetime = TimeSpan.FromDays(90);

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
            if (seen is { } s && s.Fingerprint == leaf.Sha256 && s.Since < now)
            {
                return new Problem(Layers.Tls, FailureCategories.TlsRenewalOverdue,
                    $"the leaf certificate ({leaf.Subject}) has {TlsVerdicts.Days(left.TotalDays)} left of its {Math.Round(lifetime.TotalDays).ToString(System.Globalization.CultureInfo.InvariantCulture)}-day lifetime, less than a third, and has not changed since {TlsVerdicts.Date(s.Since)}; it expires on {TlsVerdicts.Date(leaf.NotAfter)}",
                    "its automatic renewal (certbot, cert-manager, an ACME client) seems to have stopped: check the renewal job's logs and timers, and that the server reloads renewed certificates",
                    ProblemSeverity.Warning);
            }

            if (seen?.Fingerprint != leaf.Sha256)
            {
                var json = JsonSerializer.Serialize(new Seen(leaf.Sha256, now), TlsRenewalJsonContext.Default.Seen);
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
            return JsonSerializer.Deserialize(json, TlsRenewalJsonContext.Default.Seen);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The fingerprint of the leaf and when a run first found it past two thirds of its life.</summary>
    internal sealed record Seen(string Fingerprint, DateTimeOffset Since);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(TlsRenewalWatch.Seen))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class TlsRenewalJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
