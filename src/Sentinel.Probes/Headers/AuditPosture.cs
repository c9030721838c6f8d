using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Headers;

/// <summary>The HSTS policy in force: whether a valid header came, its max-age and flags.</summary>
internal sealed record HstsPosture(bool Valid, long? MaxAge, bool IncludeSubDomains, bool Preload);

/// <summary>What the CORS audit found the server granting to origins it should not.</summary>
internal sealed record CorsPosture(bool ReflectsAnyOrigin, bool ReflectsWithCredentials, bool AllowsNullOrigin, bool WildcardWithCredentials);

/// <summary>Which security headers the page carries.</summary>
internal sealed record HeadersPosture(bool Nosniff, bool Csp, bool Framing, bool ReferrerPolicy);

/// <summary>
/// The header posture of one audit, kept per check between runs (in <c>check_state</c> under
/// <see cref="StateKey"/>) so that a deploy that weakens a policy is its own finding, <c>posture.regressed</c>.
/// A part the run did not audit (CORS turned off, no HTTPS response) is null and compared with nothing.
/// </summary>
internal sealed record AuditPosture(HstsPosture? Hsts, CorsPosture? Cors, HeadersPosture? Headers)
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
    /// Compares with the stored posture and stores this one when it differs. Returns the stored state the
    /// comparison was made with, or null (first run, unreadable state, or the store away: drift is a hint, not worth
    /// failing the run for).
    /// </summary>
    public async ValueTask<(AuditPosture Previous, CheckState Stored)?> ExchangeAsync(string checkId, ProbeContext context, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await context.State.GetAsync(checkId, StateKey, cancellationToken).ConfigureAwait(false);
            var previous = stored is null ? null : Read(stored.Json);

            // A part this run did not audit keeps its last known state, so that it is compared again later.
            var kept = new AuditPosture(Hsts ?? previous?.Hsts, Cors ?? previous?.Cors, Headers ?? previous?.Headers);
            if (previous != kept)
            {
                var json = JsonSerializer.Serialize(kept, AuditPostureJsonContext.Default.AuditPosture);
                await context.State.SetAsync(checkId, StateKey, json, context.Node, cancellationToken).ConfigureAwait(false);
            }

            return previous is null ? null : (previous, stored!);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static AuditPosture? Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, AuditPostureJsonContext.Default.AuditPosture);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(AuditPosture))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class AuditPostureJsonContext : JsonSerializerContext;
