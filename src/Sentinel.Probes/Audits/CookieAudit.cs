using System.Globalization;

namespace Sentinel.Probes.Audits;

/// <summary>
/// The attributes of the cookies the page sets over HTTPS (RFC 6265bis): Secure (else the cookie also travels over
/// plain HTTP), HttpOnly (else scripts can read it) and SameSite Strict, Lax or None (else its cross-site behaviour
/// is the browser's default; None needs Secure or the browser drops the cookie). A cookie being deleted (Max-Age of
/// 0 or less) is not judged. One finding per attribute names every cookie lacking it; values are never shown.
/// </summary>
internal static class CookieAudit
{
    private const string SetCookie = "Set-Cookie";

    public static void Evaluate(AuditExchange page, AuditFindings findings)
    {
        if (!page.Https)
        {
            return;
        }

        var notSecure = new List<string>();
        var notHttpOnly = new List<string>();
        var noSameSite = new List<string>();
        foreach (var value in page.Response!.Values(SetCookie))
        {
            var parts = value.Split(';').Select(p => p.Trim()).ToList();
            var name = parts[0].Split('=')[0].Trim();
            var attributes = parts.Skip(1)
                .Select(p => (Name: p.Split('=')[0].Trim(), Value: p.Contains('=', StringComparison.Ordinal) ? p[(p.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim() : ""))
                .ToList();
            if (attributes.Exists(a => a.Name.Equals("Max-Age", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(a.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var age) && age <= 0))
            {
                continue;
            }

            bool Has(string attribute) => attributes.Exists(a => a.Name.Equals(attribute, StringComparison.OrdinalIgnoreCase));
            var sameSite = attributes.Where(a => a.Name.Equals("SameSite", StringComparison.OrdinalIgnoreCase)).Select(a => a.Value).LastOrDefault();
            var label = name.Length == 0 ? "(unnamed)" : AuditEvidence.Clean(name);
            if (!Has("Secure"))
            {
                notSecure.Add(sameSite?.Equals("None", StringComparison.OrdinalIgnoreCase) == true ? $"{label} (SameSite=None without Secure: browsers drop it)" : label);
            }

            if (!Has("HttpOnly"))
            {
                notHttpOnly.Add(label);
            }

            if (sameSite is null || !(sameSite.Equals("Strict", StringComparison.OrdinalIgnoreCase) || sameSite.Equals("Lax", StringComparison.OrdinalIgnoreCase) || sameSite.Equals("None", StringComparison.OrdinalIgnoreCase)))
            {
                noSameSite.Add(sameSite is null ? label : $"{label} (SameSite={AuditEvidence.Clean(sameSite)})");
            }
        }

        var url = page.Request.Url;
        var evidence = AuditEvidence.Of(page, SetCookie);
        if (notSecure.Count > 0)
        {
            findings.Add(AuditIds.CookieNotSecure, $"{url} sets {Cookies(notSecure)} without Secure: browsers also send {(notSecure.Count == 1 ? "it" : "them")} over plain HTTP, where anyone on the path can read {(notSecure.Count == 1 ? "it" : "them")}",
                "add Secure to every cookie set over HTTPS", evidence);
        }

        if (notHttpOnly.Count > 0)
        {
            findings.Add(AuditIds.CookieNotHttpOnly, $"{url} sets {Cookies(notHttpOnly)} without HttpOnly: page scripts, and so injected scripts, can read {(notHttpOnly.Count == 1 ? "it" : "them")}",
                "add HttpOnly unless scripts must read the cookie (then set its severity, or accept the finding)", evidence);
        }

        if (noSameSite.Count > 0)
        {
            findings.Add(AuditIds.CookieNoSameSite, $"{url} sets {Cookies(noSameSite)} without a valid SameSite (Strict, Lax or None): cross-site requests get the browser's default",
                "add SameSite=Lax (or Strict); use None with Secure only for cookies that must go with cross-site requests", evidence);
        }
    }

    private static string Cookies(List<string> names) => names.Count == 1 ? $"the cookie {names[0]}" : $"{names.Count} cookies ({string.Join(", ", names)})";
}
