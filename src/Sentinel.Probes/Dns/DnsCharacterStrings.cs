using System.Globalization;
using System.Text;

namespace Sentinel.Probes.Dns;

/// <summary>
/// Character strings (RFC 1035 §3.3: up to 255 octets, binary) and their presentation form (§5.1) as dig prints
/// them: quoted, <c>"</c> and <c>\</c> escaped with a backslash, every octet outside 0x20–0x7E as <c>\DDD</c>.
/// Octets, not text: TXT data need not be UTF-8, and two strings that differ in one byte must not look alike.
/// </summary>
internal static class DnsCharacterStrings
{
    /// <summary>The octets quoted as dig prints them: <c>"caf\195\169"</c>.</summary>
    public static string Quote(ReadOnlySpan<byte> octets)
    {
        var sb = new StringBuilder(octets.Length + 2).Append('"');
        foreach (var b in octets)
        {
            if (b is (byte)'"' or (byte)'\\')
            {
                sb.Append('\\').Append((char)b);
            }
            else if (b is < 0x20 or > 0x7e)
            {
                sb.Append('\\').Append(b.ToString("000", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append((char)b);
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>
    /// The octets of one string of a TXT record that DnsClient parsed. DnsClient 1.8 keeps no raw data for TXT:
    /// <paramref name="text"/> is the UTF-8 decoding (an invalid byte becomes U+FFFD, so "\255" and "\254" read
    /// alike), and <paramref name="escaped"/> writes octets outside 0x20–0x7E as <c>\DDD</c> and <c>"</c> as
    /// <c>\"</c>, but leaves a backslash octet bare, so its <c>\255</c> is either octet 255 or a backslash and
    /// three digits. Together they pin the octets down: ASCII octets appear unchanged in the decoding (a UTF-8
    /// decoder never folds an ASCII byte into a replacement), so the decoding tells which backslashes are
    /// literal, and each run of non-ASCII octets must decode to the run of non-ASCII characters at its place.
    /// The walk over both strings is memoised, so it stays linear in practice and bounded for hostile data.
    /// </summary>
    public static byte[] Recover(string escaped, string text)
    {
        var tokens = Tokens(text);
        var output = new List<byte>(escaped.Length);
        var dead = new HashSet<(int, int)>();
        return Walk(escaped, tokens, 0, 0, output, dead) ? [.. output] : Unescape(escaped);
    }

    /// <summary>Reads escaped text alone, every <c>\DDD</c> taken as an octet: right unless a backslash octet was in the data.</summary>
    private static byte[] Unescape(string escaped)
    {
        var output = new List<byte>(escaped.Length);
        for (var i = 0; i < escaped.Length;)
        {
            if (Escape(escaped, i) is { } octet)
            {
                output.Add(octet);
                i += 4;
            }
            else if (escaped[i] == '\\' && i + 1 < escaped.Length && escaped[i + 1] == '"')
            {
                output.Add((byte)'"');
                i += 2;
            }
            else
            {
                output.AddRange(Encoding.UTF8.GetBytes(escaped[i].ToString()));
                i++;
            }
        }

        return [.. output];
    }

    /// <summary>Matches the escaped form from <paramref name="e"/> against the decoded text's tokens from <paramref name="t"/>.</summary>
    private static bool Walk(string escaped, List<string> tokens, int e, int t, List<byte> output, HashSet<(int, int)> dead)
    {
        if (t == tokens.Count)
        {
            return e == escaped.Length;
        }

        if (e >= escaped.Length || dead.Contains((e, t)))
        {
            return false;
        }

        var token = tokens[t];
        var mark = output.Count;
        if (token[0] < 0x80)
        {
            // One ASCII octet; how DnsClient wrote it follows from the octet itself.
            var c = token[0];
            var length = c switch
            {
                '\\' when escaped[e] == '\\' => 1,
                '"' when escaped.AsSpan(e).StartsWith("\\\"") => 2,
                < (char)0x20 or (char)0x7f when Escape(escaped, e) == c => 4,
                _ when c is >= (char)0x20 and < (char)0x7f and not '"' and not '\\' && escaped[e] == c => 1,
                _ => 0,
            };
            if (length > 0)
            {
                output.Add((byte)c);
                if (Walk(escaped, tokens, e + length, t + 1, output, dead))
                {
                    return true;
                }

                output.RemoveRange(mark, output.Count - mark);
            }
        }
        else
        {
            // A run of non-ASCII characters: some number of escaped octets of 128 and above whose decoding it is.
            var run = new List<byte>();
            for (var at = e; Escape(escaped, at) is byte octet && octet >= 0x80; at += 4)
            {
                run.Add(octet);
                if (Encoding.UTF8.GetString([.. run]) == token)
                {
                    output.AddRange(run);
                    if (Walk(escaped, tokens, at + 4, t + 1, output, dead))
                    {
                        return true;
                    }

                    output.RemoveRange(mark, output.Count - mark);
                }
            }
        }

        dead.Add((e, t));
        return false;
    }

    /// <summary>The decoded text as ASCII characters, one token each, and maximal runs of non-ASCII characters.</summary>
    private static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        for (var i = 0; i < text.Length;)
        {
            var start = i;
            if (text[i] < 0x80)
            {
                i++;
            }
            else
            {
                while (i < text.Length && text[i] >= 0x80)
                {
                    i++;
                }
            }

            tokens.Add(text[start..i]);
        }

        return tokens;
    }

    /// <summary>The octet of a <c>\DDD</c> escape at <paramref name="at"/>, or null.</summary>
    private static byte? Escape(string escaped, int at) =>
        at + 3 < escaped.Length && escaped[at] == '\\'
        && char.IsAsciiDigit(escaped[at + 1]) && char.IsAsciiDigit(escaped[at + 2]) && char.IsAsciiDigit(escaped[at + 3])
        && int.Parse(escaped.AsSpan(at + 1, 3), CultureInfo.InvariantCulture) is var value and <= 255
            ? (byte)value
            : null;
}
