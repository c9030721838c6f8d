using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Headers;

/// <summary>What the HSTS audit looks at.</summary>
/// <param name="Https">The first HTTPS response on the way to the page (the target's, or the redirect's), or null when none was reached.</param>
/// <param name="Plain">The plain-HTTP URL's first response (or its failure), or null when it was not requested.</param>
/// <param name="PlainChecked">Whether the plain-HTTP redirect was meant to be checked (httpRedirect, or an http target).</param>
/// <param name="HostIsAddress">Whether the target's host is an IP address (which cannot be preloaded).</param>
/// <param name="CertificateValid">Whether the HTTPS certificate passed the TLS inspection.</param>
internal sealed record HstsInputs(AuditExchange? Https, AuditExchange? Plain, bool PlainChecked, bool HostIsAddress, bool CertificateValid);

/// <summary>
/// The HSTS verdicts: the header of the first HTTPS response (RFC 6797: a policy is taken from any response over
/// secure transport, redirects included, and only the first field counts, 8.1), the plain-HTTP URL's redirect,
/// and hstspreload.org's rules for preloading.
/// </summary>
internal static class HstsAudit
{
    /// <summary>hstspreload.org's minimum max-age: one year.</summary>
    public const long PreloadMaxAge = 31536000;

    private const string Header = "Strict-Transport-Security";

    /// <summary>Records the findings; returns the posture (null when no HTTPS response was audited).</summary>
    public static HstsPosture? Evaluate(HstsSettings settings, HstsInputs inputs, AuditFindings findings)
    {
        HstsPosture? posture = null;
        HstsPolicy? policy = null;
        string? first = null;
        if (inputs.Https is { Response: { } response } https)
        {
            var fields = response.Values(Header);
            var url = https.Request.Url;
            var evidence = AuditEvidence.Of(https, Header);
            if (fields.Count == 0)
            {
                findings.Add(AuditIds.HstsMissing, $"{url} answered over HTTPS ({response.StatusLine}) without {Header}",
                    $"add {Header}: max-age=31536000; includeSubDomains to every HTTPS response, at the application or at the proxy in front of it", evidence);
            }
            else
            {
                first = fields[0];
                if (fields.Count > 1)
                {
                    findings.Add(AuditIds.HstsMultipleHeaders,
                        $"{url} sent {fields.Count} {Header} fields ({string.Join(", ", fields.Select(f => AuditEvidence.Quote(f, 80)))}); browsers honour only the first",
                        "send the header once: it is usually added twice, by the application and by a proxy or CDN in front of it", evidence);
                }

                policy = HstsHeader.Parse(first, out var reason);
                if (policy is null)
                {
                    findings.Add(AuditIds.HstsInvalid, $"the {Header} header of {url} is {AuditEvidence.Quote(first)}, which browsers ignore: {reason}",
                        "write it as max-age=SECONDS, optionally followed by \"; includeSubDomains\" and \"; preload\" (RFC 6797, 6.1)", evidence);
                }
                else
                {
                    Judge(settings, policy, first, url, evidence, findings);
                }
            }

            posture = new HstsPosture(policy is not null, policy?.MaxAge, policy?.IncludeSubDomains ?? false, policy?.Preload ?? false);
        }

        var redirect = Plain(inputs.Plain, findings);
        if (inputs.Https?.Response is not null && (settings.Preload || first is not null && HstsHeader.MentionsPreload(first)))
        {
            Preload(inputs, policy, redirect, findings);
        }

        return posture;
    }

    private static void Judge(HstsSettings settings, HstsPolicy policy, string value, Uri url, IReadOnlyList<KeyValuePair<string, string>> evidence, AuditFindings findings)
    {
        var minimum = (long)settings.MinMaxAge.TotalSeconds;
        if (policy.MaxAge == 0)
        {
            findings.Add(AuditIds.HstsMaxAgeZero, $"the {Header} header of {url} is {AuditEvidence.Quote(value)}: max-age=0 makes browsers forget the site's HSTS policy",
                $"unless HSTS is being turned off on purpose, set max-age to at least {minimum} (the check's minimum); 31536000 (1 year) is usual", evidence);
            return;
        }

        if (policy.MaxAge < minimum)
        {
            findings.Add(AuditIds.HstsMaxAgeShort, $"the {Header} max-age of {url} is {AuditFindings.Seconds(policy.MaxAge)}, below the check's minimum of {AuditFindings.Seconds(minimum)} ({AuditEvidence.Quote(value)})",
                "raise max-age; 31536000 (1 year) is usual and what preloading needs", evidence);
        }

        if (settings.IncludeSubDomains && !policy.IncludeSubDomains)
        {
            findings.Add(AuditIds.HstsNoIncludeSubDomains, $"the {Header} header of {url} is {AuditEvidence.Quote(value)}, without includeSubDomains, which the check requires",
                "add \"; includeSubDomains\" once every subdomain serves HTTPS (cookies of the parent domain are then safe from subdomain stripping)", evidence);
        }
    }

    /// <summary>Judges the plain-HTTP URL's answer; returns where it redirects (null when it does not, or did not answer).</summary>
    private static Uri? Plain(AuditExchange? plain, AuditFindings findings)
    {
        if (plain is null)
        {
            return null;
        }

        var url = plain.Request.Url;
        if (plain.Response is not { } response)
        {
            findings.Add(AuditIds.HstsHttpUnreachable,
                $"{url} did not answer ({plain.Failure?.Category}: {plain.Failure?.Message}), so its redirect to HTTPS could not be checked",
                "nothing to do if nothing is meant to listen for plain HTTP; otherwise set hsts.httpUrl to the URL that does, or hsts.httpRedirect to false",
                AuditEvidence.Of(plain));
            return null;
        }

        var evidence = AuditEvidence.Of(plain, "Location", Header);
        if (response.Values(Header) is [var sent, ..])
        {
            findings.Add(AuditIds.HstsOverHttp, $"{url} sends {Header} ({AuditEvidence.Quote(sent)}) over plain HTTP, where browsers ignore it (RFC 6797, 8.1)",
                "send it on HTTPS responses; on plain HTTP, redirect to HTTPS instead", evidence);
        }

        var target = plain.RedirectTarget;
        if (target?.Scheme == Uri.UriSchemeHttps)
        {
            return target;
        }

        var what = target is not null ? $"redirects ({response.Status}) to {target}, which is not HTTPS" : $"answered {response.StatusLine} without redirecting to HTTPS";
        findings.Add(AuditIds.HstsHttpNotRedirected, $"{url} {what}",
            "redirect every plain-HTTP request to the same URL on https:// (301 or 308); browsers only learn HSTS over HTTPS", evidence);
        return null;
    }

    private static void Preload(HstsInputs inputs, HstsPolicy? policy, Uri? redirect, AuditFindings findings)
    {
        var https = inputs.Https!;
        var host = https.Request.Url.Host;
        var reasons = new List<string>();
        if (policy is null)
        {
            reasons.Add("there is no valid Strict-Transport-Security header");
        }
        else
        {
            if (policy.MaxAge < PreloadMaxAge)
            {
                reasons.Add($"max-age is {policy.MaxAge}, below {PreloadMaxAge} (1 year)");
            }

            if (!policy.IncludeSubDomains)
            {
                reasons.Add("includeSubDomains is missing");
            }

            if (!policy.Preload)
            {
                reasons.Add(policy.PreloadProblem ?? "the preload directive is missing");
            }
        }

        if (!inputs.PlainChecked)
        {
            reasons.Add("the plain-HTTP redirect was not checked (hsts.httpRedirect is false)");
        }
        else if (inputs.Plain is { Response: not null } plain)
        {
            if (redirect is null)
            {
                reasons.Add($"{plain.Request.Url} does not redirect to HTTPS");
            }
            else if (!redirect.Host.Equals(plain.Request.Url.Host, StringComparison.OrdinalIgnoreCase))
            {
                reasons.Add($"{plain.Request.Url} redirects to {redirect} first; it must redirect to HTTPS on the same host ({host}) before any other");
            }
        }

        if (inputs.HostIsAddress)
        {
            reasons.Add($"{host} is an IP address; only domain names can be preloaded");
        }

        if (!inputs.CertificateValid)
        {
            reasons.Add("the certificate does not validate");
        }

        var evidence = AuditEvidence.Of(https, Header);
        if (reasons.Count == 0)
        {
            var plainNote = inputs.Plain?.Response is null ? "plain HTTP does not answer" : $"{inputs.Plain.Request.Url} redirects to {redirect}";
            findings.Add(AuditIds.HstsPreloadReady, $"{host} meets hstspreload.org's rules: {HstsHeader.Describe(policy!)}, and {plainNote}",
                "submit it at hstspreload.org if every subdomain serves HTTPS for good: removal from the list takes months to reach browsers", evidence);
        }
        else
        {
            findings.Add(AuditIds.HstsPreloadNotReady, $"{host} is not ready for the HSTS preload list: {string.Join("; ", reasons)}",
                "hstspreload.org needs max-age=31536000 or more, includeSubDomains and preload, a valid certificate, and plain HTTP redirecting to HTTPS on the same host first", evidence);
        }
    }
}
