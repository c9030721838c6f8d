using Sentinel.Probes.Names;

namespace Sentinel.Probes.Audits;

/// <summary>What the HSTS audit looks at.</summary>
/// <param name="Https">The first HTTPS response on the way to the page (the target's, or the redirect's), or null when none was reached.</param>
/// <param name="Plain">The plain-HTTP leg (the plain-HTTP URL's answer and its plain-HTTP redirects), or null when it was not followed.</param>
/// <param name="PlainNotChecked">Why the plain-HTTP leg was not followed (httpRedirect off, the audit stopped early); null when it was.</param>
/// <param name="CertificateValid">Whether the HTTPS certificate passed the TLS inspection.</param>
/// <param name="Suffixes">The Public Suffix List, which says which names can be preloaded; null when this machine has none.</param>
internal sealed record HstsInputs(AuditExchange? Https, PlainChain? Plain, string? PlainNotChecked, bool CertificateValid, PublicSuffixList? Suffixes);

/// <summary>
/// The HSTS verdicts: the header of the first HTTPS response (RFC 6797: a policy is taken from any response over
/// secure transport, redirects included, and only the first field counts, 8.1), the plain-HTTP URL's redirect,
/// and hstspreload.org's rules for preloading.
/// </summary>
internal static class HstsAudit
{
    private const string Header = "Strict-Transport-Security";

    /// <summary>Records the findings; returns the posture (null when no HTTPS response was audited).</summary>
    public static HstsPosture? Evaluate(HstsSettings settings, HstsInputs inputs, AuditFindings findings)
    {
        HstsPosture? posture = null;
        HstsPolicy? policy = null;
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
                var first = fields[0];
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

        Plain(inputs.Plain, findings);
        if (inputs.Https?.Response is { } answered && (settings.Preload || answered.Values(Header).Any(HstsHeader.MentionsPreload)))
        {
            Preload(inputs, policy, findings);
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

    /// <summary>
    /// Judges the plain-HTTP leg where it ends, as a browser would land: a chain of plain-HTTP redirects that reaches
    /// HTTPS is redirected; one that stops on plain HTTP (an answer, a loop, too many hops) is not.
    /// </summary>
    private static void Plain(PlainChain? plain, AuditFindings findings)
    {
        if (plain is null)
        {
            return;
        }

        var url = plain.First.Request.Url;
        if (plain.Hops.FirstOrDefault(h => h.Response?.Values(Header).Count > 0) is { } sending)
        {
            var sent = sending.Response!.Values(Header)[0];
            findings.Add(AuditIds.HstsOverHttp, $"{sending.Request.Url} sends {Header} ({AuditEvidence.Quote(sent)}) over plain HTTP, where browsers ignore it (RFC 6797, 8.1)",
                "send it on HTTPS responses; on plain HTTP, redirect to HTTPS instead", AuditEvidence.Of(sending, "Location", Header));
        }

        var last = plain.Last;
        var evidence = new List<KeyValuePair<string, string>>();
        if (plain.Hops.Count > 1)
        {
            evidence.Add(new("redirects", plain.Route));
        }

        evidence.AddRange(AuditEvidence.Of(last, "Location", Header));
        var via = plain.Hops.Count == 1 ? "" : $" redirects on plain HTTP to {last.Request.Url}, which";
        switch (plain.End)
        {
            case PlainEnd.Unanswered:
                findings.Add(AuditIds.HstsHttpUnreachable,
                    $"{url}{via} did not answer ({last.Failure?.Category}: {last.Failure?.Message}), so {(plain.Hops.Count == 1 ? "its" : "the")} redirect to HTTPS could not be checked",
                    "nothing to do if nothing is meant to listen for plain HTTP; otherwise set hsts.httpUrl to the URL that does, or hsts.httpRedirect to false",
                    evidence);
                break;
            case PlainEnd.NotRedirected:
                var response = last.Response!;
                var what = last.RedirectTarget is { } elsewhere ? $"redirects ({response.Status}) to {elsewhere}, which is not HTTPS" : $"answered {response.StatusLine} without redirecting to HTTPS";
                findings.Add(AuditIds.HstsHttpNotRedirected, $"{url}{via} {what}",
                    "redirect every plain-HTTP request to the same URL on https:// (301 or 308); browsers only learn HSTS over HTTPS", evidence);
                break;
            case PlainEnd.TooManyRedirects or PlainEnd.Loop:
                var how = plain.End == PlainEnd.Loop ? "in a loop" : $"more than {PlainRedirects.MaxRedirects} times";
                findings.Add(AuditIds.HstsHttpNotRedirected, $"{url} redirects {how} on plain HTTP without reaching HTTPS: {plain.Route}",
                    "redirect every plain-HTTP request to the same URL on https:// (301 or 308) in one step; browsers only learn HSTS over HTTPS", evidence);
                break;
        }
    }

    /// <summary>
    /// Judges preload readiness with hstspreload.org's checks, in its order: the name, the certificate, the HTTPS
    /// response and its header (<see cref="HstsPreloadHeader"/>), the plain-HTTP redirect. Its errors block, its warnings
    /// are named but do not. Where hstspreload stops at a failed stage (a response it cannot read, an invalid
    /// certificate), the later stages are still judged, so that the message lists every reason at once. Validity for
    /// browsers (<paramref name="policy"/>) does not decide readiness: only a note in the message when it differs.
    /// </summary>
    private static void Preload(HstsInputs inputs, HstsPolicy? policy, AuditFindings findings)
    {
        var https = inputs.Https!;
        var host = https.Request.Url.Host;
        var issues = new List<PreloadIssue>();
        if (Eligibility(https.Request.Url, inputs.Suffixes) is { } ineligible)
        {
            issues.Add(ineligible);
        }

        if (!inputs.CertificateValid)
        {
            issues.Add(new("domain.tls.invalid_cert_chain", true, "the certificate does not validate"));
        }

        var (header, responseIssues) = HstsPreloadHeader.Judge(https.Response!);
        issues.AddRange(responseIssues);
        issues.AddRange(PreloadRedirect(inputs));

        var evidence = AuditEvidence.Of(https, Header);
        var warnings = issues.Where(i => !i.Blocks).ToList() is { Count: > 0 } some ? $"; hstspreload.org would warn: {HstsPreloadHeader.List(some)}" : "";
        if (issues.Where(i => i.Blocks).ToList() is { Count: > 0 } blocking)
        {
            findings.Add(AuditIds.HstsPreloadNotReady, $"{host} is not ready for the HSTS preload list: {HstsPreloadHeader.List(blocking)}{warnings}",
                "hstspreload.org needs a registrable domain (example.com, not www.example.com), a valid certificate, exactly one header written max-age=SECONDS (31536000 or more); includeSubDomains; preload, and plain HTTP redirecting to HTTPS on the same host first", evidence);
            return;
        }

        var first = inputs.Plain!.First;
        var plainNote = first.Response is null ? "plain HTTP does not answer" : $"{first.Request.Url} redirects to {first.RedirectTarget}";
        var ignored = policy is null ? $"; but browsers ignore this header as written ({AuditIds.HstsInvalid}), so until the list reaches them it protects no one" : "";
        findings.Add(AuditIds.HstsPreloadReady, $"{host} meets hstspreload.org's rules: {header!.Describe()}, and {plainNote}{warnings}{ignored}",
            "submit it at hstspreload.org if every subdomain serves HTTPS for good: removal from the list takes months to reach browsers", evidence);
    }

    /// <summary>
    /// hstspreload.org's checks of the plain-HTTP URL's own answer (<c>preloadableHTTPRedirects</c>): its first redirect
    /// must go to HTTPS on the same host, so that a browser learns that host's policy before going anywhere else. Not
    /// answering is only a warning; not having been checked blocks, since nothing is known.
    /// </summary>
    private static IEnumerable<PreloadIssue> PreloadRedirect(HstsInputs inputs)
    {
        if (inputs.PlainNotChecked is not null || inputs.Plain is null)
        {
            yield return new("redirects.http, not checked", true, $"the plain-HTTP redirect was not checked ({inputs.PlainNotChecked ?? "it was not requested"})");
            yield break;
        }

        var first = inputs.Plain.First;
        var url = first.Request.Url;
        if (first.Response is not { } response)
        {
            yield return new("redirects.http.does_not_exist", false, $"{url} does not answer, so a browser without the preload list is not redirected from it");
            yield break;
        }

        if (response.Values(Header).Count > 0)
        {
            yield return new("redirects.http.useless_header", false, $"{url} sends {Header} over plain HTTP, where it has no effect");
        }

        var host = inputs.Https!.Request.Url.Host;
        switch (first.RedirectTarget)
        {
            case null:
                yield return new("redirects.http.no_redirect", true, $"{url} does not redirect to HTTPS (it answers {response.StatusLine})");
                break;
            case var to when to.Scheme == Uri.UriSchemeHttps && to.Host.Equals(url.Host, StringComparison.OrdinalIgnoreCase):
                break;
            case var to when to.Host.Equals($"www.{url.Host}", StringComparison.OrdinalIgnoreCase):
                yield return new("redirects.http.www_first", true, $"{url} redirects to {to} first; it must redirect to HTTPS on {url.Host} itself before adding www, so that browsers record the policy of {url.Host}");
                break;
            case var to:
                yield return new("redirects.http.first_redirect.insecure", true, $"{url} redirects to {to} first; it must redirect to HTTPS on the same host ({host}) before any other");
                break;
        }
    }

    /// <summary>
    /// Why hstspreload.org would refuse the name itself, or null (<c>checkDomainFormat</c>, <c>preloadableDomainLevel</c>):
    /// it takes only a registrable domain (eTLD+1 by the Public Suffix List), answering "X is a subdomain; preload Y
    /// instead" for others, written in letters, digits, "-" and ".", and no IP address or public suffix (a single-label
    /// name is one: the list's default rule makes any unlisted top-level label a suffix).
    /// </summary>
    private static PreloadIssue? Eligibility(Uri url, PublicSuffixList? suffixes)
    {
        var host = url.Host;
        if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            return new("domain.format.is_ip_address", true, $"{host} is an IP address; only domain names can be preloaded");
        }

        var name = url.IdnHost.TrimEnd('.');
        if (!name.Contains('.', StringComparison.Ordinal))
        {
            return new("domain.format.public_suffix", true, $"{host} is a single-label name; only a registrable domain (such as example.com) can be preloaded");
        }

        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
        {
            return new("domain.format.invalid_characters", true, $"{host} has characters other than letters, digits, \"-\" and \".\", which hstspreload.org does not take");
        }

        if (suffixes is null)
        {
            return new("domain.is_subdomain, not judged", true,
                $"whether {host} can be preloaded could not be judged: the Public Suffix List ({PublicSuffixList.DefaultPath}) is missing on this node; install the publicsuffix package");
        }

        return suffixes.RegistrableDomain(name) switch
        {
            null => new("domain.format.public_suffix", true, $"{host} is a public suffix (on the Public Suffix List); only a domain registered under it can be preloaded"),
            var domain when !domain.Equals(name, StringComparison.OrdinalIgnoreCase) =>
                new("domain.is_subdomain", true, $"{host} is a subdomain; preload {domain} instead (hstspreload.org takes only registrable domains; includeSubDomains there covers {host})"),
            _ => null,
        };
    }
}
