using System.Globalization;

namespace Sentinel.Probes.Audits;

/// <summary>The HSTS policy in force: whether a valid header came, its max-age and flags.</summary>
internal sealed record HstsPosture(bool Valid, long? MaxAge, bool IncludeSubDomains, bool Preload);

/// <summary>What the CORS audit found the server granting to origins it should not.</summary>
internal sealed record CorsPosture(bool ReflectsAnyOrigin, bool ReflectsWithCredentials, bool AllowsNullOrigin, bool WildcardWithCredentials);

/// <summary>Which security headers the page carries.</summary>
internal sealed record HeadersPosture(bool Nosniff, bool Csp, bool Framing, bool ReferrerPolicy);

/// <summary>
/// The header posture of one audit. The check's baseline posture is kept between runs (in <c>check_state</c> under
/// <see cref="StateKey"/>, see <see cref="AuditBaseline"/>) so that a deploy that weakens a policy is its own finding,
/// <c>posture.regressed</c>, on every run until the policy is restored or the weaker posture accepted.
/// A part the run did not audit (CORS turned off, no HTTPS response) is null and compared with nothing.
/// </summary>
/// <param name="Hsts">The HSTS policy in force.</param>
/// <param name="Cors">What CORS grants to origins it should not.</param>
/// <param name="Headers">Which security headers the page carries.</param>
/// <param name="Target">The check's target the posture was taken from; a baseline of another target does not apply (null in baselines stored before it was recorded: they apply).</param>
internal sealed record AuditPosture(HstsPosture? Hsts, CorsPosture? Cors, HeadersPosture? Headers, string? Target = null)
{
    public const string StateKey = "audit.posture";

    /// <summary>What got weaker from <paramref name="previous"/> to this posture, one phrase each.</summary>
    public IReadOnlyList<string> RegressionsSince(AuditPosture previous)
    {
        var changes = new List<string>();
        if (previous.Hsts is { Valid: true } before && Hsts is { } now)
        {
            if (!now.Valid)
            {
                changes.Add($"Strict-Transport-Security removed or invalid (was max-age={before.MaxAge}{(before.IncludeSubDomains ? "; includeSubDomains" : "")}{(before.Preload ? "; preload" : "")})");
            }
            else
            {
                if (now.MaxAge < before.MaxAge)
                {
                    changes.Add(string.Create(CultureInfo.InvariantCulture, $"HSTS max-age lowered from {before.MaxAge} to {now.MaxAge}"));
                }

                if (before.IncludeSubDomains && !now.IncludeSubDomains)
                {
                    changes.Add("HSTS includeSubDomains dropped");
                }

                if (before.Preload && !now.Preload)
                {
                    changes.Add("HSTS preload dropped");
                }
            }
        }

        if (previous.Cors is { } corsBefore && Cors is { } corsNow)
        {
            if (corsNow.ReflectsWithCredentials && !corsBefore.ReflectsWithCredentials)
            {
                changes.Add("CORS now reflects any origin with credentials");
            }
            else if (corsNow.ReflectsAnyOrigin && !corsBefore.ReflectsAnyOrigin)
            {
                changes.Add("CORS now reflects any origin");
            }

            if (corsNow.AllowsNullOrigin && !corsBefore.AllowsNullOrigin)
            {
                changes.Add("CORS now allows the origin null");
            }

            if (corsNow.WildcardWithCredentials && !corsBefore.WildcardWithCredentials)
            {
                changes.Add("CORS now answers * with credentials");
            }
        }

        if (previous.Headers is { } headersBefore && Headers is { } headersNow)
        {
            Removed(headersBefore.Nosniff, headersNow.Nosniff, "X-Content-Type-Options: nosniff removed");
            Removed(headersBefore.Csp, headersNow.Csp, "Content-Security-Policy removed");
            Removed(headersBefore.Framing, headersNow.Framing, "framing protection (frame-ancestors or X-Frame-Options) removed");
            Removed(headersBefore.ReferrerPolicy, headersNow.ReferrerPolicy, "Referrer-Policy removed");
        }

        return changes;

        void Removed(bool before, bool now, string change)
        {
            if (before && !now)
            {
                changes.Add(change);
            }
        }
    }

    /// <summary>
    /// The stronger of this posture and <paramref name="baseline"/>, part by part and field by field (the longer
    /// max-age, a flag kept by either, a grant made by both): what the baseline becomes after this run, so that a
    /// weaker posture never replaces it while a stronger one raises it. A part this run did not audit keeps the
    /// baseline's.
    /// </summary>
    public AuditPosture StrongestWith(AuditPosture? baseline) => new(
        Stronger(Hsts, baseline?.Hsts),
        Cors is null || baseline?.Cors is null ? Cors ?? baseline?.Cors : new CorsPosture(
            Cors.ReflectsAnyOrigin && baseline.Cors.ReflectsAnyOrigin,
            Cors.ReflectsWithCredentials && baseline.Cors.ReflectsWithCredentials,
            Cors.AllowsNullOrigin && baseline.Cors.AllowsNullOrigin,
            Cors.WildcardWithCredentials && baseline.Cors.WildcardWithCredentials),
        Headers is null || baseline?.Headers is null ? Headers ?? baseline?.Headers : new HeadersPosture(
            Headers.Nosniff || baseline.Headers.Nosniff,
            Headers.Csp || baseline.Headers.Csp,
            Headers.Framing || baseline.Headers.Framing,
            Headers.ReferrerPolicy || baseline.Headers.ReferrerPolicy),
        Target ?? baseline?.Target);

    /// <summary>The posture in a line, for the accept command: <c>HSTS max-age=31536000; includeSubDomains; CORS grants no foreign origin; security headers: nosniff, CSP</c>.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Hsts is { } hsts)
        {
            parts.Add(hsts.Valid
                ? string.Create(CultureInfo.InvariantCulture, $"HSTS max-age={hsts.MaxAge}{(hsts.IncludeSubDomains ? "; includeSubDomains" : "")}{(hsts.Preload ? "; preload" : "")}")
                : "no valid HSTS");
        }

        if (Cors is { } cors)
        {
            var grants = new List<string>();
            if (cors.ReflectsAnyOrigin)
            {
                grants.Add(cors.ReflectsWithCredentials ? "reflects any origin with credentials" : "reflects any origin");
            }

            if (cors.AllowsNullOrigin)
            {
                grants.Add("allows the origin null");
            }

            if (cors.WildcardWithCredentials)
            {
                grants.Add("answers * with credentials");
            }

            parts.Add(grants.Count == 0 ? "CORS grants no foreign origin" : $"CORS {string.Join(", ", grants)}");
        }

        if (Headers is { } headers)
        {
            var present = new[] { (headers.Nosniff, "nosniff"), (headers.Csp, "CSP"), (headers.Framing, "framing"), (headers.ReferrerPolicy, "Referrer-Policy") }
                .Where(h => h.Item1).Select(h => h.Item2).ToList();
            parts.Add(present.Count == 0 ? "no security headers" : $"security headers: {string.Join(", ", present)}");
        }

        return parts.Count == 0 ? "nothing audited" : string.Join("; ", parts);
    }

    private static HstsPosture? Stronger(HstsPosture? now, HstsPosture? before) => (now, before) switch
    {
        (null, _) => before,
        (_, null) => now,
        ({ Valid: false }, _) => before,
        (_, { Valid: false }) => now,
        _ => new HstsPosture(true, Math.Max(now.MaxAge ?? 0, before.MaxAge ?? 0), now.IncludeSubDomains || before.IncludeSubDomains, now.Preload || before.Preload),
    };
}
