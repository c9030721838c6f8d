using System.Globalization;
using System.Text;

namespace Sentinel.Probes.Audits;

/// <summary>One verdict of hstspreload.org's checks, in Sentinel's words.</summary>
/// <param name="Rule">hstspreload's issue code (<c>header.preloadable.max_age.below_1_year</c>), or what stands for one that could not be judged.</param>
/// <param name="Blocks">Whether it is one of hstspreload's errors, which refuse a submission; its warnings do not.</param>
/// <param name="Text">What is wrong, in Sentinel's words.</param>
internal sealed record PreloadIssue(string Rule, bool Blocks, string Text);

/// <summary>A Strict-Transport-Security value as hstspreload.org reads it.</summary>
/// <param name="MaxAge">The first max-age it could read, in seconds; null when there is none.</param>
/// <param name="IncludeSubDomains">Whether a bare includeSubDomains directive is present.</param>
/// <param name="Preload">Whether a bare preload directive is present.</param>
internal sealed record PreloadHeader(ulong? MaxAge, bool IncludeSubDomains, bool Preload)
{
    /// <summary>The header as hstspreload.org understood it, for messages: <c>max-age=31536000; includeSubDomains; preload</c>.</summary>
    public string Describe() =>
        string.Join("; ", new[] { MaxAge is { } m ? $"max-age={m}" : null, IncludeSubDomains ? "includeSubDomains" : null, Preload ? "preload" : null }.OfType<string>());
}

/// <summary>
/// The HTTPS response judged as hstspreload.org judges it before it takes a domain (chromium/hstspreload: response.go
/// <c>PreloadableResponse</c>, header.go <c>ParseHeaderString</c> and <c>PreloadableHeader</c>). Its grammar is not
/// RFC 6797's, which decides whether browsers honour the header (<see cref="HstsHeader"/>): the value is split on
/// ";" and each piece trimmed of Unicode white space; a piece is a directive only when it equals <c>preload</c> or
/// <c>includeSubDomains</c> ignoring case, or starts with <c>max-age=</c> followed by ASCII digits only, read into an
/// unsigned 64-bit number. So a quoted max-age, space around "=", or a value over 2^64 - 1, all valid for browsers,
/// leave it without a max-age; a repeated directive, an unknown one or an empty one only draws a warning, even where
/// browsers ignore the whole header. Then it needs exactly one Strict-Transport-Security field, includeSubDomains,
/// preload, and max-age of at least one year (above ten years is only a warning).
/// </summary>
internal static class HstsPreloadHeader
{
    /// <summary>hstspreload.org's minimum max-age: one year (365 days), in seconds.</summary>
    public const ulong MinimumMaxAge = 86400 * 365;

    /// <summary>Above this max-age (ten years) hstspreload.org warns that the value is unusually long.</summary>
    public const ulong UnusualMaxAge = 10 * MinimumMaxAge;

    private const string Header = "Strict-Transport-Security";

    /// <summary>
    /// Judges the response (<c>PreloadableResponse</c>): whether hstspreload's HTTP client can read it at all, and its
    /// Strict-Transport-Security fields. Returns the header read (null when there is not exactly one) and every issue.
    /// </summary>
    public static (PreloadHeader? Header, IReadOnlyList<PreloadIssue> Issues) Judge(AuditResponse response)
    {
        // Go's HTTP client (net/textproto's validHeaderValueByte; HTTP/2's ValidHeaderFieldValue) refuses a response
        // whose header values hold a control character other than tab, and hstspreload then reports that it cannot
        // connect and judges nothing more. The fields are judged all the same, so that every reason is known at once.
        // (NUL and CR never reach here: .NET reads them as spaces.)
        var issues = new List<PreloadIssue>();
        if (response.Headers.Select(h => (h.Key, Control: RefusedByGo(h.Value))).FirstOrDefault(h => h.Control is not null) is (var name, { } control))
        {
            issues.Add(new("domain.tls.cannot_connect", true,
                $"the {AuditEvidence.Clean(name)} field of the response holds a control character (U+{(int)control:X4}), which Go's HTTP client refuses, so hstspreload.org cannot read the response at all"));
        }

        var fields = response.Values(Header);
        switch (fields.Count)
        {
            case 0:
                issues.Add(new("response.no_header", true, $"the HTTPS response has no {Header} header"));
                return (null, issues);
            case > 1:
                issues.Add(new("response.multiple_headers", true,
                    $"the HTTPS response has {fields.Count} {Header} fields; hstspreload.org takes exactly one, and judges the header only then"));
                return (null, issues);
        }

        var (header, headerIssues) = Judge(AsGoReadsIt(fields[0]));
        issues.AddRange(headerIssues);
        return (header, issues);
    }

    /// <summary>
    /// The issues as a message lists them, each with its hstspreload rule: <c>includeSubDomains is missing
    /// [header.preloadable.include_sub_domains.missing]</c>. Issues of one rule are named once, with how many more there
    /// are, so that a header of thousands of unknown directives makes one line.
    /// </summary>
    public static string List(IEnumerable<PreloadIssue> issues) =>
        string.Join("; ", issues.GroupBy(i => i.Rule).Select(g => g.Count() switch
        {
            1 => $"{g.First().Text} [{g.Key}]",
            var n => $"{g.First().Text}, and {n - 1} more like it [{g.Key}]",
        }));

    /// <summary>Judges one value as Go reads it (<c>ParseHeaderString</c>, then <c>PreloadableHeader</c>).</summary>
    public static (PreloadHeader Header, IReadOnlyList<PreloadIssue> Issues) Judge(string value)
    {
        var issues = new List<PreloadIssue>();
        var header = Parse(value, issues);
        if (!header.IncludeSubDomains)
        {
            issues.Add(new("header.preloadable.include_sub_domains.missing", true, "includeSubDomains is missing"));
        }

        if (!header.Preload)
        {
            issues.Add(new("header.preloadable.preload.missing", true, "preload is missing"));
        }

        if (header.MaxAge is not { } seconds)
        {
            issues.Add(new("header.preloadable.max_age.missing", true, "there is no max-age hstspreload.org can read"));
        }
        else if (seconds == 0)
        {
            issues.Add(new("header.preloadable.max_age.zero", true,
                $"max-age is 0, below {MinimumMaxAge} (1 year); max-age=0 is for leaving the list, through hstspreload.org/removal"));
        }
        else if (seconds < MinimumMaxAge)
        {
            issues.Add(new("header.preloadable.max_age.below_1_year", true, $"max-age is {seconds}, below {MinimumMaxAge} (1 year)"));
        }
        else if (seconds > UnusualMaxAge)
        {
            issues.Add(new("header.preloadable.max_age.over_10_years", false, $"max-age is {seconds}, more than 10 years ({UnusualMaxAge}), an unusually long value"));
        }

        return (header, issues);
    }

    /// <summary>
    /// The directives as <c>ParseHeaderString</c> reads them, in its order of cases: a bare preload, a piece starting
    /// with "preload", a bare includeSubDomains, a piece starting with "includeSubDomains", one starting with
    /// "max-age=", one starting with "max-age", an empty piece, anything else.
    /// </summary>
    private static PreloadHeader Parse(string value, List<PreloadIssue> issues)
    {
        var pieces = value.Split(';').Select(TrimGoSpace).ToList();
        if (pieces is [""])
        {
            // hstspreload stops here: nothing else is worth saying about an empty header.
            issues.Add(new("header.parse.empty", false, "the header is empty"));
            return new PreloadHeader(null, false, false);
        }

        ulong? maxAge = null;
        var includeSubDomains = false;
        var preload = false;
        foreach (var piece in pieces)
        {
            if (EqualsFolded(piece, "preload"))
            {
                AddOnceIf(preload, issues, "header.parse.repeated.preload", "preload appears more than once");
                preload = true;
            }
            else if (StartsWithLowered(piece, "preload"))
            {
                AddOnce(issues, "header.parse.invalid.preload", $"{AuditEvidence.Quote(piece, 40)} is not the bare preload directive, so it does not count as one");
            }
            else if (EqualsFolded(piece, "includeSubDomains"))
            {
                AddOnceIf(includeSubDomains, issues, "header.parse.repeated.include_sub_domains", "includeSubDomains appears more than once");
                includeSubDomains = true;
            }
            else if (StartsWithLowered(piece, "includeSubDomains"))
            {
                AddOnce(issues, "header.parse.invalid.include_sub_domains", $"{AuditEvidence.Quote(piece, 40)} is not the bare includeSubDomains directive, so it does not count as one");
            }
            else if (StartsWithLowered(piece, "max-age="))
            {
                if (MaxAge(piece, issues) is not { } seconds)
                {
                    continue;
                }

                AddOnceIf(maxAge is not null, issues, "header.parse.repeated.max_age", "max-age appears more than once (hstspreload.org reads the first)");
                maxAge ??= seconds;
            }
            else if (StartsWithLowered(piece, "max-age"))
            {
                AddOnce(issues, "header.parse.invalid.max_age.no_value", true,
                    $"max-age is written {AuditEvidence.Quote(piece, 40)}; hstspreload.org reads it only as max-age=SECONDS, with nothing between the name, \"=\" and the digits");
            }
            else if (piece.Length == 0)
            {
                AddOnce(issues, "header.parse.empty_directive", "there is an empty directive (\";;\", or a leading or trailing \";\")");
            }
            else
            {
                issues.Add(new("header.parse.unknown_directive", false, $"unknown directive {AuditEvidence.Quote(piece, 40)}"));
            }
        }

        return new PreloadHeader(maxAge, includeSubDomains, preload);
    }

    /// <summary>
    /// The seconds of a piece starting with "max-age=" (<c>parseMaxAge</c>): ASCII digits only, no quotes, sign or
    /// space, at most 2^64 - 1; a leading zero is only a warning. Null when they cannot be read.
    /// </summary>
    private static ulong? MaxAge(string piece, List<PreloadIssue> issues)
    {
        var digits = piece[8..];
        if (digits.Length > 1 && digits[0] == '0')
        {
            issues.Add(new("header.parse.max_age.leading_zero", false, $"max-age {AuditEvidence.Quote(digits, 40)} has a leading zero"));
        }

        if (!digits.All(char.IsAsciiDigit))
        {
            issues.Add(new("header.parse.max_age.non_digit_characters", true,
                $"max-age is written {AuditEvidence.Quote(piece, 40)}; hstspreload.org reads only ASCII digits after \"max-age=\": no quotes, sign or space"));
            return null;
        }

        if (!ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            issues.Add(new("header.parse.max_age.parse_int_error", true, digits.Length == 0
                ? "max-age= has no value"
                : $"max-age {AuditEvidence.Quote(digits, 40)} is above {ulong.MaxValue}, the largest number hstspreload.org reads (64-bit unsigned)"));
            return null;
        }

        return seconds;
    }

    private static void AddOnceIf(bool condition, List<PreloadIssue> issues, string rule, string text)
    {
        if (condition)
        {
            AddOnce(issues, rule, text);
        }
    }

    private static void AddOnce(List<PreloadIssue> issues, string rule, string text) => AddOnce(issues, rule, false, text);

    /// <summary>hstspreload's <c>addUnique…</c>: an issue whose code is already there is not added again.</summary>
    private static void AddOnce(List<PreloadIssue> issues, string rule, bool blocks, string text)
    {
        if (!issues.Exists(i => i.Rule == rule))
        {
            issues.Add(new(rule, blocks, text));
        }
    }

    /// <summary>
    /// The value as hstspreload's Go code sees it. .NET reads header bytes as Latin-1, one char per byte; Go keeps the
    /// bytes and decodes them as UTF-8 where it looks at runes (trimming, case folding): so "ſ" sent as UTF-8 is one
    /// letter for Go, and a lone byte A0 is not the no-break space it is in Latin-1.
    /// </summary>
    private static string AsGoReadsIt(string value) =>
        Ascii.IsValid(value) || value.Any(c => c > '\u00FF') ? value : Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(value));

    /// <summary>Go's <c>strings.TrimSpace</c>: Unicode White_Space at both ends.</summary>
    private static string TrimGoSpace(string piece) => piece.Trim(GoSpace);

    private static readonly char[] GoSpace =
    [
        '\t', '\n', '\v', '\f', '\r', ' ', '\u0085', '\u00A0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005',
        '\u2006', '\u2007', '\u2008', '\u2009', '\u200A', '\u2028', '\u2029', '\u202F', '\u205F', '\u3000',
    ];

    /// <summary>
    /// Go's <c>strings.EqualFold</c> against an ASCII word: rune for rune under simple case folding, where besides
    /// ASCII case only LATIN SMALL LETTER LONG S folds to s and KELVIN SIGN to k.
    /// </summary>
    private static bool EqualsFolded(string piece, string word) =>
        piece.Length == word.Length && piece.Zip(word).All(p => char.ToLowerInvariant(p.Second) is var letter
            && (p.First == letter || (char.IsAsciiLetter(p.First) && (char)(p.First | 0x20) == letter) || (letter == 's' && p.First == '\u017F') || (letter == 'k' && p.First == '\u212A')));

    /// <summary>
    /// Go's <c>strings.HasPrefix(strings.ToLower(piece), strings.ToLower(prefix))</c> for an ASCII prefix: lowercasing
    /// maps only ASCII capitals, LATIN CAPITAL LETTER I WITH DOT ABOVE (to i) and KELVIN SIGN (to k) onto ASCII.
    /// </summary>
    private static bool StartsWithLowered(string piece, string prefix) =>
        piece.Length >= prefix.Length && piece.Zip(prefix).All(p => p.First switch
        {
            >= 'A' and <= 'Z' => (char)(p.First | 0x20),
            '\u0130' => 'i',
            '\u212A' => 'k',
            _ => p.First,
        } == char.ToLowerInvariant(p.Second));

    /// <summary>The first character Go's HTTP client refuses in a header value (a control character other than tab), or null.</summary>
    private static char? RefusedByGo(string value)
    {
        foreach (var c in value)
        {
            if ((c < ' ' && c != '\t') || c == '\u007F')
            {
                return c;
            }
        }

        return null;
    }
}
