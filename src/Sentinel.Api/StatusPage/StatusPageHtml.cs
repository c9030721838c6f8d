using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;

namespace Sentinel.Api.StatusPage;

/// <summary>
/// The status page as HTML: one document with its style and script inline, no other asset, every text from a check
/// (names, targets, labels, failure messages and hints are anyone's input) HTML-encoded. The Content-Security-Policy
/// allows exactly that style and that script by their SHA-256 (CSP 3, hash-source), and connections to this origin only.
/// </summary>
internal static class StatusPageHtml
{
    private const string Style = """
        body{font:15px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
        main{max-width:1100px;margin:0 auto;padding:24px}
        h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
        .summary{color:#555;margin:0 0 16px}
        table{width:100%;border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002}
        th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #e4e6eb;vertical-align:top}
        th{font-size:12px;text-transform:uppercase;color:#666}
        .target{display:block;color:#777;font-size:12px;word-break:break-all}
        .state{display:inline-block;padding:2px 8px;border-radius:10px;font-weight:600;font-size:13px;color:#fff;background:#888}
        .state-up{background:#1f8a4c}.state-degraded{background:#c58a00}.state-down{background:#c62f2f}.state-unknown{background:#6b5ca5}
        .hint{display:block;color:#555;font-size:13px}.category{font-family:ui-monospace,monospace;font-size:13px}
        .num{text-align:right;font-variant-numeric:tabular-nums}
        .soon{color:#c58a00;font-weight:600}.expired{color:#c62f2f;font-weight:600}
        .live{display:none;color:#1f8a4c}html.js .live{display:inline}
        """;

    private const string Script = """
        (function () {
          document.documentElement.classList.add('js');
          if (!window.EventSource || !window.fetch || !window.DOMParser) return;
          var timer = null, last = 0;
          function refresh() {
            timer = null; last = Date.now();
            fetch(location.href, { headers: { Accept: 'text/html' }, credentials: 'same-origin' })
              .then(function (r) { return r.ok ? r.text() : null; })
              .then(function (html) {
                if (!html) return;
                var next = new DOMParser().parseFromString(html, 'text/html').getElementById('status');
                var current = document.getElementById('status');
                if (next && current) current.replaceWith(document.importNode(next, true));
              })
              .catch(function () {});
          }
          function soon() { if (timer === null) timer = setTimeout(refresh, Math.max(0, 5000 - (Date.now() - last))); }
          var events = new EventSource(location.pathname.replace(/\/?$/, '/events'));
          ['result', 'check', 'reset'].forEach(function (type) { events.addEventListener(type, soon); });
        })();
        """;

    /// <summary>The page's policy: nothing but its own style, its own script, and fetches and events from its origin.</summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src '{Hash(Style)}'; script-src '{Hash(Script)}'; connect-src 'self'; " +
        "img-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    public static string Render(StatusPageView view, string title)
    {
        var html = new StringBuilder(8192);
        var counts = view.Checks.GroupBy(c => c.State).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}");
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(Encode(title)).Append("</title><style>").Append(Style).Append("</style></head><body>\n")
            .Append("<main id=\"status\"><h1>").Append(Encode(title)).Append("</h1>")
            .Append("<p class=\"summary\">").Append(view.Checks.Count).Append(view.Checks.Count == 1 ? " check" : " checks")
            .Append(view.Checks.Count > 0 ? ": " + Encode(string.Join(", ", counts)) : "")
            .Append(". Updated ").Append(Time(view.Now)).Append(" <span class=\"live\">· live</span></p>\n");

        html.Append("<table class=\"checks\"><thead><tr><th>Check</th><th>State</th><th>Since</th><th>Last failure</th>");
        foreach (var (name, _) in StatusPageView.Windows)
        {
            html.Append("<th class=\"num\">").Append(Encode(name)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>\n");
        foreach (var row in view.Checks)
        {
            var check = row.Check;
            html.Append("<tr data-check=\"").Append(Encode(check.Check)).Append("\" data-state=\"").Append(Encode(row.State)).Append("\">")
                .Append("<td><span class=\"name\">").Append(Encode(check.Name)).Append("</span><span class=\"target\">")
                .Append(Encode(check.Type)).Append(' ').Append(Encode(check.Target)).Append("</span></td>")
                .Append("<td><span class=\"state state-").Append(Encode(row.State)).Append("\">").Append(Encode(row.State)).Append("</span></td>")
                .Append("<td>").Append(check.StatusSince is { } since ? Time(since) + "<span class=\"hint\">for " + Encode(Span(view.Now - since)) + "</span>" : "—").Append("</td><td>");
            if (check.LastFailure is { } failure)
            {
                html.Append("<span class=\"category\">").Append(Encode(failure.Category ?? failure.Status)).Append("</span> at ").Append(Time(failure.At));
                if (failure.Message is { } message)
                {
                    html.Append("<span class=\"hint\">").Append(Encode(message)).Append("</span>");
                }

                if (failure.Hint is { } hint)
                {
                    html.Append("<span class=\"hint\">").Append(Encode(hint)).Append("</span>");
                }
            }
            else
            {
                html.Append('—');
            }

            html.Append("</td>");
            foreach (var ratio in row.Uptime)
            {
                html.Append("<td class=\"num\">").Append(ratio is { } r ? (Math.Floor(r * 10_000) / 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "—").Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody></table>\n<h2>Certificates</h2>");
        if (view.Certificates.Count == 0)
        {
            html.Append("<p class=\"summary\">No check has seen a certificate yet.</p>");
        }
        else
        {
            html.Append("<table class=\"certificates\"><thead><tr><th>Check</th><th>Expires</th><th class=\"num\">Days left</th></tr></thead><tbody>\n");
            foreach (var certificate in view.Certificates)
            {
                var days = certificate.DaysLeft;
                var kind = days < 0 ? "expired" : days < 14 ? "soon" : "ok";
                html.Append("<tr data-check=\"").Append(Encode(certificate.Check.Check)).Append("\"><td><span class=\"name\">").Append(Encode(certificate.Check.Name))
                    .Append("</span><span class=\"target\">").Append(Encode(certificate.Check.Target)).Append("</span></td><td>").Append(Time(certificate.ExpiresAt))
                    .Append("</td><td class=\"num ").Append(kind).Append("\">").Append(Math.Floor(days).ToString("0", CultureInfo.InvariantCulture)).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>");
        }

        html.Append("</main>\n<script>").Append(Script).Append("</script></body></html>\n");
        return html.ToString();
    }

    private static string Encode(string text) => Encoder.Encode(text);

    private static string Time(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return $"<time datetime=\"{utc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}\">{utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC</time>";
    }

    /// <summary>A duration as a person says it: the two largest units.</summary>
    private static string Span(TimeSpan span) => span switch
    {
        { TotalMinutes: < 1 } => $"{Math.Max(0, (int)span.TotalSeconds)} s",
        { TotalHours: < 1 } => $"{span.Minutes} min",
        { TotalDays: < 1 } => $"{span.Hours} h {span.Minutes} min",
        _ => $"{(int)span.TotalDays} d {span.Hours} h",
    };

    private static string Hash(string inline) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(inline)));
}
