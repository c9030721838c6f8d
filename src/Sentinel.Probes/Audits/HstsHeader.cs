using System.Globalization;
using System.Text;

namespace Sentinel.Probes.Audits;

/// <summary>A Strict-Transport-Security value that browsers honour.</summary>
/// <param name="MaxAge">max-age in seconds (values too large for 64 bits are clamped).</param>
/// <param name="IncludeSubDomains">Whether includeSubDomains is present.</param>
/// <param name="Preload">Whether a preload directive without a value is present (browsers ignore it; it asks for preloading).</param>
/// <param name="Unknown">Directives browsers ignore, as written.</param>
internal sealed record HstsPolicy(long MaxAge, bool IncludeSubDomains, bool Preload, IReadOnlyList<string> Unknown);

/// <summary>
/// RFC 6797, 6.1 parsing of one Strict-Transport-Security field value:
/// <c>[ directive ] *( ";" [ directive ] )</c>, <c>directive = name [ "=" ( token / quoted-string ) ]</c>, with optional
/// whitespace around names, "=" and ";". Directive names are case-insensitive (6.1, rule 3); max-age is required
/// and is digits only, as a token or a quoted string (6.1.1); includeSubDomains takes no value (6.1.2); a value that
/// does not conform makes the whole field ignored (rule 4), unknown directives are ignored (rule 5). "Each directive
/// at most once" (rule 2) is applied as Chromium and Firefox apply it: a repeated max-age or includeSubDomains
/// invalidates the field, a repeated unknown directive does not. <c>preload</c> is unknown to browsers. Whether
/// hstspreload.org would take the header is its own, different grammar (<see cref="HstsPreloadHeader"/>).
/// </summary>
internal static class HstsHeader
{
    /// <summary>Parses <paramref name="value"/>; returns null with the reason when browsers would ignore it.</summary>
    public static HstsPolicy? Parse(string value, out string? error)
    {
        var directives = Tokenise(value, out error);
        if (directives is null)
        {
            return null;
        }

        long? maxAge = null;
        var includeSubDomains = false;
        var preload = false;
        var unknown = new List<string>();
        foreach (var (name, raw, quoted) in directives)
        {
            switch (name.ToLowerInvariant())
            {
                case "max-age":
                    if (maxAge is not null)
                    {
                        return Invalid(out error, "max-age appears twice (RFC 6797, 6.1: each directive at most once)");
                    }

                    if (raw is null)
                    {
                        return Invalid(out error, "max-age has no value (expected max-age=SECONDS)");
                    }

                    if (raw.Length == 0 || !raw.All(char.IsAsciiDigit))
                    {
                        return Invalid(out error, raw.Length == 0
                            ? "max-age has an empty value"
                            : $"max-age {(quoted ? "\"" + raw + "\"" : raw)} is not a number of seconds (digits only, RFC 6797, 6.1.1)");
                    }

                    maxAge = Seconds(raw);
                    break;
                case "includesubdomains":
                    if (includeSubDomains)
                    {
                        return Invalid(out error, "includeSubDomains appears twice (RFC 6797, 6.1: each directive at most once)");
                    }

                    if (raw is not null)
                    {
                        return Invalid(out error, $"includeSubDomains takes no value, got {name}={raw}");
                    }

                    includeSubDomains = true;
                    break;
                case "preload":
                    preload |= raw is null;
                    break;
                default:
                    unknown.Add(raw is null ? name : $"{name}={raw}");
                    break;
            }
        }

        if (maxAge is null)
        {
            return Invalid(out error, "max-age is missing (it is required, RFC 6797, 6.1.1)");
        }

        error = null;
        return new HstsPolicy(maxAge.Value, includeSubDomains, preload, unknown);
    }

    /// <summary>Whether the value has a directive named preload at all (it asks to be preloaded), even when invalid.</summary>
    public static bool MentionsPreload(string value) =>
        value.Split(';').Any(d => d.Split('=')[0].Trim().Equals("preload", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Splits the value into directives. Returns null with the reason at the first character the grammar does
    /// not allow. Values are returned unquoted; null means the directive had no "=".
    /// </summary>
    private static List<(string Name, string? Value, bool Quoted)>? Tokenise(string value, out string? error)
    {
        var directives = new List<(string, string?, bool)>();
        var i = 0;
        while (true)
        {
            SkipSpace(value, ref i);
            if (i == value.Length)
            {
                break;
            }

            if (value[i] == ';')
            {
                // Empty directives (";;", a leading or trailing ";") are allowed by the grammar.
                i++;
                continue;
            }

            var name = Token(value, ref i);
            if (name.Length == 0)
            {
                return Fail(out error, $"expected a directive name at character {i + 1}, found {Describe(value[i])}");
            }

            SkipSpace(value, ref i);
            string? directiveValue = null;
            var quoted = false;
            if (i < value.Length && value[i] == '=')
            {
                i++;
                SkipSpace(value, ref i);
                if (i < value.Length && value[i] == '"')
                {
                    quoted = true;
                    directiveValue = QuotedString(value, ref i);
                    if (directiveValue is null)
                    {
                        return Fail(out error, $"the quoted value of {name} is not closed");
                    }
                }
                else
                {
                    directiveValue = Token(value, ref i);
                    if (directiveValue.Length == 0)
                    {
                        return Fail(out error, i == value.Length || value[i] == ';'
                            ? $"{name} has \"=\" but no value"
                            : $"the value of {name} at character {i + 1} is not a token or a quoted string: found {Describe(value[i])}");
                    }
                }

                SkipSpace(value, ref i);
            }

            if (i < value.Length && value[i] != ';')
            {
                var written = directiveValue is null ? name : $"{name}={(quoted ? "\"" + directiveValue + "\"" : directiveValue)}";
                var comma = value[i] == ','
                    ? ": directives are separated by \";\"; a \",\" usually means two Strict-Transport-Security fields were joined into one (by a proxy or the application)"
                    : "";
                return Fail(out error, $"expected \";\" after {written} at character {i + 1}, found {Describe(value[i])}{comma}");
            }

            directives.Add((name, directiveValue, quoted));
        }

        if (directives.Count == 0)
        {
            return Fail(out error, "the value is empty (max-age is required)");
        }

        error = null;
        return directives;
    }

    private static string Token(string value, ref int i)
    {
        var start = i;
        while (i < value.Length && IsTokenChar(value[i]))
        {
            i++;
        }

        return value[start..i];
    }

    /// <summary>RFC 9110, 5.6.4: a quoted string with backslash escapes; null when it is not closed or has a control character.</summary>
    private static string? QuotedString(string value, ref int i)
    {
        var text = new StringBuilder();
        for (i++; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '"')
            {
                i++;
                return text.ToString();
            }

            if (c == '\\' && i + 1 < value.Length)
            {
                c = value[++i];
            }

            if (char.IsControl(c) && c != '\t')
            {
                return null;
            }

            text.Append(c);
        }

        return null;
    }

    private static void SkipSpace(string value, ref int i)
    {
        while (i < value.Length && value[i] is ' ' or '\t')
        {
            i++;
        }
    }

    // RFC 9110, 5.6.2: tchar.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static long Seconds(string digits)
    {
        // RFC 9111, 1.2.2 (delta-seconds): a value too large to represent is taken as the largest one.
        var significant = digits.TrimStart('0');
        return significant.Length > 18 ? long.MaxValue : significant.Length == 0 ? 0 : long.Parse(significant, CultureInfo.InvariantCulture);
    }

    private static string Describe(char c) => char.IsControl(c) || c == ' ' ? $"U+{(int)c:X4}" : $"\"{c}\"";

    private static HstsPolicy? Invalid(out string? error, string reason)
    {
        error = reason;
        return null;
    }

    private static List<(string, string?, bool)>? Fail(out string? error, string reason)
    {
        error = reason;
        return null;
    }
}
