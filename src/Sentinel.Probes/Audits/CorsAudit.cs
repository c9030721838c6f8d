using System.Globalization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Audits;

/// <summary>
/// The CORS verdicts, judged as a browser judges the responses (Fetch standard, "CORS check" and "CORS-preflight
/// fetch"): Access-Control-Allow-Origin must be exactly one value equal to the serialised origin (or * without
/// credentials), Access-Control-Allow-Credentials exactly <c>true</c> for requests with credentials, and a preflight
/// must answer 2xx with the method (compared case-sensitively) and every non-safelisted header allowed.
/// </summary>
internal static class CorsAudit
{
    internal const string AllowOrigin = "Access-Control-Allow-Origin";
    internal const string AllowCredentials = "Access-Control-Allow-Credentials";
    internal const string AllowMethods = "Access-Control-Allow-Methods";
    internal const string AllowHeaders = "Access-Control-Allow-Headers";
    internal const string MaxAge = "Access-Control-Max-Age";

    private static readonly string[] GetFields = [AllowOrigin, AllowCredentials, "Vary"];
    private static readonly string[] PreflightFields = [AllowOrigin, AllowCredentials, AllowMethods, AllowHeaders, MaxAge];
    private static readonly HashSet<string> SimpleMethods = new(StringComparer.Ordinal) { "GET", "HEAD", "POST" };

    /// <summary>Records the findings from the page's own response and the CORS requests' exchanges; returns the posture.</summary>
    public static CorsPosture Evaluate(CorsSettings settings, AuditExchange page, IReadOnlyList<(CorsProbe Probe, AuditExchange Exchange)> results, AuditFindings findings)
    {
        var state = new State();
        foreach (var (probe, exchange) in results)
        {
            if (exchange.Response is not { } response)
            {
                continue;
            }

            switch (probe.Kind)
            {
                case CorsProbeKind.Allowed:
                    Allowed(settings, probe, exchange, response, findings, state);
                    break;
                case CorsProbeKind.Preflight:
                    Preflight(settings, probe, exchange, response, findings, state);
                    break;
                case CorsProbeKind.Hostile or CorsProbeKind.HostilePreflight:
                    Hostile(settings, probe, exchange, response, findings, state);
                    break;
                case CorsProbeKind.Null when Single(response) == "null":
                    state.AllowsNull = true;
                    var nullCredentials = response.Combined(AllowCredentials) == "true";
                    findings.Add(AuditIds.CorsAllowsNullOrigin,
                        $"{exchange.Request.Url} grants Origin: null{(nullCredentials ? " with Access-Control-Allow-Credentials: true" : "")}: any page can send that origin (a sandboxed iframe, a data: URL) and read {(nullCredentials ? "a signed-in user's responses" : "the responses")}",
                        "never allow the origin null; list the real origins that need access", AuditEvidence.Of(exchange, GetFields),
                        nullCredentials ? FindingSeverity.Critical : FindingSeverity.Warning);
                    break;
                case CorsProbeKind.Lookalike when !state.Reflects && Single(response) == probe.Origin:
                    var lookalikeCredentials = response.Combined(AllowCredentials) == "true";
                    findings.Add(AuditIds.CorsReflectsLookalikeOrigin,
                        $"{exchange.Request.Url} grants the look-alike Origin: {probe.Origin}{(lookalikeCredentials ? " with credentials" : "")}: its origin check accepts anything that starts with an allowed origin, so whoever registers such a domain can read the responses",
                        "compare the Origin header with the allowed origins exactly (a set lookup), not with a prefix, a substring or an unanchored regular expression",
                        AuditEvidence.Of(exchange, GetFields), lookalikeCredentials ? FindingSeverity.Critical : FindingSeverity.Warning);
                    break;
            }
        }

        CredentialsValues(settings, results, findings, state);
        Vary(page, results, findings);
        return new CorsPosture(state.Reflects, state.ReflectsWithCredentials, state.AllowsNull, state.WildcardWithCredentials);
    }

    private static void Allowed(CorsSettings settings, CorsProbe probe, AuditExchange exchange, AuditResponse response, AuditFindings findings, State state)
    {
        var evidence = AuditEvidence.Of(exchange, GetFields);
        switch (Check(response, probe.Origin, settings.Credentials, out var reason))
        {
            case Verdict.Wildcard:
                Wildcard(exchange, response, evidence, findings, state, $"so {probe.Origin}, whose requests carry credentials, cannot read it", FindingSeverity.Critical);
                break;
            case Verdict.CredentialsInvalid:
                state.CredentialsReported = true;
                findings.Add(AuditIds.CorsCredentialsInvalid,
                    $"{exchange.Request.Url} answers {probe.Origin} with {AllowCredentials}: {AuditEvidence.Quote(response.Combined(AllowCredentials)!)}; browsers accept only exactly \"true\", so requests with credentials from {probe.Origin} cannot read the response",
                    $"send {AllowCredentials}: true (lower case, one field)", evidence, FindingSeverity.Critical);
                break;
            case Verdict.Refused:
                findings.Add(AuditIds.CorsAllowedOriginRejected, $"{probe.Origin} does not get access to {exchange.Request.Url}: {reason}",
                    $"answer a request with Origin: {probe.Origin} with {AllowOrigin}: {probe.Origin}{(settings.Credentials ? $" and {AllowCredentials}: true" : "")} (and Vary: Origin), or remove the origin from the check if it no longer needs access",
                    evidence);
                break;
        }
    }

    private static void Preflight(CorsSettings settings, CorsProbe probe, AuditExchange exchange, AuditResponse response, AuditFindings findings, State state)
    {
        var method = probe.RequestedMethod!;
        var reasons = new List<string>();
        if (response.Status is < 200 or > 299)
        {
            reasons.Add($"it answered {response.StatusLine}, and a preflight must answer 2xx");
        }

        var verdict = Check(response, probe.Origin, settings.Credentials, out var reason);
        if (verdict != Verdict.Ok)
        {
            reasons.Add(verdict switch
            {
                Verdict.Wildcard => $"{AllowOrigin} is *, which browsers refuse for requests with credentials",
                Verdict.CredentialsInvalid => $"{AllowCredentials} is {AuditEvidence.Quote(response.Combined(AllowCredentials)!)}, not exactly \"true\"",
                _ => reason!,
            });
        }

        var wildcard = !settings.Credentials;
        var methods = response.List(AllowMethods);
        if (!SimpleMethods.Contains(method) && !methods.Contains(method, StringComparer.Ordinal) && !(wildcard && methods.Contains("*")))
        {
            var caseOnly = methods.Contains(method, StringComparer.OrdinalIgnoreCase) ? " (methods are compared case-sensitively)" : "";
            reasons.Add(methods.Count == 0 ? $"it sent no {AllowMethods}, so {method} is not allowed" : $"{AllowMethods} is {AuditEvidence.Quote(response.Combined(AllowMethods)!)}, without {method}{caseOnly}");
        }

        var allowed = response.List(AllowHeaders);
        var missing = settings.PreflightHeaders
            .Where(h => !allowed.Contains(h, StringComparer.OrdinalIgnoreCase) && !(wildcard && h != "authorization" && allowed.Contains("*")))
            .ToList();
        if (missing.Count > 0)
        {
            reasons.Add(allowed.Count == 0 ? $"it sent no {AllowHeaders}, so {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not allowed" : $"{AllowHeaders} is {AuditEvidence.Quote(response.Combined(AllowHeaders)!)}, without {string.Join(", ", missing)}");
        }

        var evidence = AuditEvidence.Of(exchange, PreflightFields);
        if (reasons.Count > 0)
        {
            findings.Add(AuditIds.CorsPreflightFailed, $"{probe.Purpose} to {exchange.Request.Url} fails: {string.Join("; ", reasons)}",
                $"answer OPTIONS from {probe.Origin} with 204, {AllowOrigin}: {probe.Origin}, {AllowMethods} listing {method}{(settings.PreflightHeaders.Count > 0 ? $", {AllowHeaders} listing {string.Join(", ", settings.PreflightHeaders)}" : "")}{(settings.Credentials ? $" and {AllowCredentials}: true" : "")}; authentication must not be required on OPTIONS (browsers send no credentials with a preflight)",
                evidence);
        }

        if (!state.MaxAgeReported && response.Values(MaxAge) is [var text, ..] && long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds > settings.MaxAge.TotalSeconds)
        {
            state.MaxAgeReported = true;
            findings.Add(AuditIds.CorsMaxAgeExcessive,
                $"{probe.Purpose} is answered with {MaxAge}: {AuditFindings.Seconds(seconds)}, above the check's maximum of {AuditFindings.Seconds((long)settings.MaxAge.TotalSeconds)}: browsers cap it (Firefox at 24 h, Chromium at 2 h), and a tightened policy takes that long to reach caches that honour it",
                "send a shorter Access-Control-Max-Age, such as 7200 (2 hours)", evidence);
        }
    }

    private static void Hostile(CorsSettings settings, CorsProbe probe, AuditExchange exchange, AuditResponse response, AuditFindings findings, State state)
    {
        var fields = probe.IsPreflight ? PreflightFields : GetFields;
        var value = Single(response);
        var credentials = response.Combined(AllowCredentials) == "true";
        if (value == probe.Origin && !state.Reflects)
        {
            state.Reflects = true;
            state.ReflectsWithCredentials = credentials;
            var what = probe.IsPreflight ? $"its preflight lets that origin send {probe.RequestedMethod} requests" : "any website can read its responses";
            if (credentials)
            {
                findings.Add(AuditIds.CorsReflectsAnyOriginWithCredentials,
                    $"{exchange.Request.Url} echoes the made-up Origin: {probe.Origin} in {AllowOrigin} with {AllowCredentials}: true: {(probe.IsPreflight ? what + " with the user's cookies" : "any website a signed-in user visits can read their authenticated responses")}",
                    "check the Origin header against an exact list of allowed origins and send no CORS headers to others; never echo it back unchecked",
                    AuditEvidence.Of(exchange, fields));
            }
            else
            {
                findings.Add(AuditIds.CorsReflectsAnyOrigin,
                    $"{exchange.Request.Url} echoes the made-up Origin: {probe.Origin} in {AllowOrigin}: {what}",
                    "check the Origin header against an exact list of allowed origins; for a public resource send * instead, which at least never works with credentials",
                    AuditEvidence.Of(exchange, fields));
            }
        }
        else if (value == "*" && credentials && !probe.IsPreflight)
        {
            Wildcard(exchange, response, AuditEvidence.Of(exchange, fields), findings, state, "so no request with credentials can read it",
                settings.Credentials ? FindingSeverity.Critical : FindingSeverity.Warning);
        }
    }

    private static void Wildcard(AuditExchange exchange, AuditResponse response, IReadOnlyList<KeyValuePair<string, string>> evidence, AuditFindings findings, State state, string consequence, FindingSeverity severity)
    {
        if (state.WildcardWithCredentials)
        {
            return;
        }

        state.WildcardWithCredentials = true;
        var credentials = response.Combined(AllowCredentials) is { } acac ? $" with {AllowCredentials}: {acac}" : "";
        findings.Add(AuditIds.CorsWildcardWithCredentials,
            $"{exchange.Request.Url} answers {AllowOrigin}: *{credentials}; browsers refuse * for requests with credentials, {consequence}",
            $"echo the request's Origin when it is an allowed one (with Vary: Origin) instead of *, or drop {AllowCredentials} if the resource is public",
            evidence, severity);
    }

    /// <summary>Access-Control-Allow-Credentials other than exactly "true", wherever it was not already reported.</summary>
    private static void CredentialsValues(CorsSettings settings, IReadOnlyList<(CorsProbe Probe, AuditExchange Exchange)> results, AuditFindings findings, State state)
    {
        if (state.CredentialsReported)
        {
            return;
        }

        foreach (var (probe, exchange) in results)
        {
            if (exchange.Response?.Combined(AllowCredentials) is { } value && value != "true")
            {
                findings.Add(AuditIds.CorsCredentialsInvalid,
                    $"{exchange.Request.Url} answers {probe.Purpose} with {AllowCredentials}: {AuditEvidence.Quote(value)}; browsers accept only exactly \"true\" and ignore anything else{(value.Equals("false", StringComparison.OrdinalIgnoreCase) ? " (there is no \"false\": leave the header out)" : "")}",
                    $"send {AllowCredentials}: true where credentials are meant to be allowed, and no {AllowCredentials} at all elsewhere",
                    AuditEvidence.Of(exchange, probe.IsPreflight ? PreflightFields : GetFields),
                    settings.Credentials && probe.Kind is CorsProbeKind.Allowed or CorsProbeKind.Preflight ? FindingSeverity.Critical : FindingSeverity.Warning);
                return;
            }
        }
    }

    /// <summary>
    /// When the CORS headers differ between the GET requests (with and without Origin, one origin and another), each
    /// response needs Vary: Origin, or a shared or browser cache may serve one origin's answer to another (Fetch
    /// standard, "CORS protocol and HTTP caches"). A response that may not be stored at all (no-store) is exempt.
    /// </summary>
    private static void Vary(AuditExchange page, IReadOnlyList<(CorsProbe Probe, AuditExchange Exchange)> results, AuditFindings findings)
    {
        var gets = new List<(string Purpose, AuditExchange Exchange)> { ("the request without Origin", page) };
        gets.AddRange(results.Where(r => !r.Probe.IsPreflight).Select(r => (r.Probe.Purpose, r.Exchange)));
        var answered = gets.Where(g => g.Exchange.Response is not null).ToList();
        var answers = answered.Select(g => (Origin: g.Exchange.Response!.Combined(AllowOrigin), Credentials: g.Exchange.Response!.Combined(AllowCredentials))).Distinct().Count();
        if (answers < 2)
        {
            return;
        }

        var missing = answered.Where(g => !g.Exchange.Response!.VariesOnOrigin && !g.Exchange.Response!.NoStore).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var seen = string.Join(", ", answered.Select(g => $"{(g.Exchange.Request.Header("Origin") ?? "no Origin")} → {g.Exchange.Response!.Combined(AllowOrigin) ?? "none"}").Distinct());
        findings.Add(AuditIds.CorsMissingVaryOrigin,
            $"the {AllowOrigin} of {page.Request.Url} depends on the request's Origin ({seen}), but {string.Join(", ", missing.Select(m => m.Purpose))} {(missing.Count == 1 ? "has" : "have")} no Vary: Origin, so a cache can serve one origin's answer to another",
            "add Vary: Origin to every response of this URL whose CORS headers depend on the Origin (those without Origin included), or Cache-Control: no-store",
            AuditEvidence.Of(missing[0].Exchange, AllowOrigin, "Vary", "Cache-Control"));
    }

    private enum Verdict
    {
        Ok,
        Refused,
        Wildcard,
        CredentialsInvalid,
    }

    /// <summary>The Fetch standard's CORS check of <paramref name="response"/> for a request from <paramref name="origin"/>.</summary>
    private static Verdict Check(AuditResponse response, string origin, bool credentials, out string? reason)
    {
        reason = null;
        var values = response.Values(AllowOrigin);
        if (values.Count != 1)
        {
            reason = values.Count == 0
                ? $"it answered {response.StatusLine} without {AllowOrigin}"
                : $"it sent {values.Count} {AllowOrigin} fields ({string.Join(", ", values.Select(v => AuditEvidence.Quote(v, 60)))}); browsers accept exactly one value";
            return Verdict.Refused;
        }

        var value = values[0];
        if (value == "*")
        {
            return credentials ? Verdict.Wildcard : Verdict.Ok;
        }

        if (value != origin)
        {
            reason = value.Contains(',', StringComparison.Ordinal) || value.Contains(' ', StringComparison.Ordinal)
                ? $"{AllowOrigin} is a list ({AuditEvidence.Quote(value)}); browsers accept exactly one origin"
                : value.Equals(origin, StringComparison.OrdinalIgnoreCase) || value.TrimEnd('/') == origin
                    ? $"{AllowOrigin} is {AuditEvidence.Quote(value)}, which differs from {origin} (browsers compare it byte for byte)"
                    : $"{AllowOrigin} is {AuditEvidence.Quote(value)}, not {origin}";
            return Verdict.Refused;
        }

        if (!credentials)
        {
            return Verdict.Ok;
        }

        var allowCredentials = response.Combined(AllowCredentials);
        if (allowCredentials is null)
        {
            reason = $"it sent no {AllowCredentials}: true, so browsers withhold the response from requests with credentials";
            return Verdict.Refused;
        }

        return allowCredentials == "true" ? Verdict.Ok : Verdict.CredentialsInvalid;
    }

    private static string? Single(AuditResponse response) => response.Values(AllowOrigin) is [var only] ? only : null;

    private sealed class State
    {
        public bool Reflects { get; set; }

        public bool ReflectsWithCredentials { get; set; }

        public bool AllowsNull { get; set; }

        public bool WildcardWithCredentials { get; set; }

        public bool CredentialsReported { get; set; }

        public bool MaxAgeReported { get; set; }
    }
}
