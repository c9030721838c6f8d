namespace Sentinel.Probes.Audits;

/// <summary>
/// The evidence of a finding: the request sent (its line and every header, secrets redacted) and the response's
/// status and the header fields the verdict rests on (absent ones named as such), in the order of the exchange.
/// Keys are unique (a repeated field gets " #2"), so that the evidence is also a JSON object.
/// </summary>
internal static class AuditEvidence
{
    private const int MaxValueLength = 512;

    /// <summary>Evidence from <paramref name="exchange"/>, showing the response fields named in <paramref name="fields"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Of(AuditExchange exchange, params IReadOnlyList<string> fields)
    {
        var evidence = new List<KeyValuePair<string, string>>();
        void Add(string key, string value)
        {
            var unique = key;
            for (var n = 2; evidence.Exists(e => e.Key == unique); n++)
            {
                unique = $"{key} #{n}";
            }

            evidence.Add(new(unique, Clean(value)));
        }

        Add("request", $"{exchange.Request.Method} {exchange.Request.Url}");
        foreach (var (name, value) in exchange.Request.Headers)
        {
            Add($"> {name}", value);
        }

        if (exchange.Response is not { } response)
        {
            Add("response", exchange.Failure is { } failure ? $"none ({failure.Category}: {failure.Message})" : "none");
            return evidence;
        }

        Add("response", response.StatusLine);
        foreach (var field in fields)
        {
            var values = response.Headers.Where(h => h.Key.Equals(field, StringComparison.OrdinalIgnoreCase)).ToList();
            if (values.Count == 0)
            {
                Add($"< {field}", "(absent)");
            }

            foreach (var (name, value) in values)
            {
                Add($"< {name}", name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase) ? RedactCookie(value) : value);
            }
        }

        return evidence;
    }

    /// <summary>A Set-Cookie value with its value redacted and its attributes kept: <c>session=(redacted); Secure</c>.</summary>
    public static string RedactCookie(string setCookie)
    {
        var semicolon = setCookie.IndexOf(';', StringComparison.Ordinal);
        var pair = semicolon < 0 ? setCookie : setCookie[..semicolon];
        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        var name = equals < 0 ? "" : pair[..equals].Trim();
        return $"{name}=(redacted){(semicolon < 0 ? "" : setCookie[semicolon..])}";
    }

    /// <summary>A value as messages quote it: control characters replaced, long values cut.</summary>
    public static string Clean(string value)
    {
        var cut = value.Length > MaxValueLength ? value[..MaxValueLength] + "…" : value;
        return string.Create(cut.Length, cut, (span, text) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                span[i] = char.IsControl(text[i]) ? '?' : text[i];
            }
        });
    }

    /// <summary>A value quoted for a message, shortened to <paramref name="max"/> characters.</summary>
    public static string Quote(string value, int max = 120) => "\"" + Clean(value.Length > max ? value[..max] + "…" : value) + "\"";
}
