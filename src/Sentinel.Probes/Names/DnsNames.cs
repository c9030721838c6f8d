using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Sentinel.Probes.Names;

/// <summary>
/// Domain names as a dns check writes them: DNS names, not host names. RFC 2181 §11 lets a label hold any octet,
/// and real names use that: wildcards (<c>*.example.com</c>), service labels (<c>_dmarc</c>, <c>_sip._tcp</c>),
/// RFC 2317 classless reverse zones (<c>1.0/25.2.0.192.in-addr.arpa</c>). What is refused is what the wire
/// cannot carry (an empty label, a label over 63 octets, a name over 255 octets, RFC 1035 §2.3.4) and what a
/// check file cannot write unambiguously here: spaces and control characters, and backslash escapes, which
/// DnsClient does not turn back into the octets they stand for on the wire.
/// </summary>
internal static class DnsNames
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>
    /// The name in the form it is asked and compared in: ASCII letters lower-cased (RFC 4343), labels with
    /// non-ASCII characters in their IDNA (ASCII) form, and a final dot; <c>.</c> is the root.
    /// </summary>
    public static bool TryNormalise(string text, [NotNullWhen(true)] out string? normalised, out string error)
    {
        normalised = null;
        error = string.Empty;
        if (text == ".")
        {
            normalised = ".";
            return true;
        }

        var name = text.EndsWith('.') ? text[..^1] : text;
        if (name.Length == 0)
        {
            error = "the name is empty";
            return false;
        }

        if (name.Contains('\\', StringComparison.Ordinal))
        {
            error = $"\"{text}\" has a backslash: escapes (\\. or \\DDD) are not supported in names";
            return false;
        }

        var labels = name.Split('.');
        var wireLength = 1;
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (label.Length == 0)
            {
                error = $"\"{text}\" has an empty label (two dots in a row, or a leading dot)";
                return false;
            }

            var bad = IndexOfUnwritable(label);
            if (bad >= 0)
            {
                error = $"\"{text}\" has a space or control character (U+{(int)label[bad]:X4}) in the label \"{label}\"";
                return false;
            }

            if (!label.All(char.IsAscii))
            {
                try
                {
                    label = Idn.GetAscii(label);
                }
                catch (ArgumentException)
                {
                    error = $"\"{text}\" is not a valid internationalised name (label \"{label}\")";
                    return false;
                }
            }

            label = LowerAscii(label);
            if (label.Length > 63)
            {
                error = $"\"{text}\" has a label longer than 63 octets ({label.Length}): \"{label}\"";
                return false;
            }

            labels[i] = label;
            wireLength += label.Length + 1;
        }

        if (wireLength > 255)
        {
            error = $"\"{text}\" is longer than a DNS name may be: {wireLength} octets on the wire, at most 255";
            return false;
        }

        normalised = string.Join('.', labels) + ".";
        return true;
    }

    /// <summary>Lower-cases ASCII letters only: DNS names compare case-insensitively for ASCII alone (RFC 4343 §3).</summary>
    public static string LowerAscii(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            span[i] = char.IsAsciiLetterUpper(source[i]) ? (char)(source[i] | 0x20) : source[i];
        }
    });

    /// <summary>Where the first space or control character is: legal octets, but none a check should have to type, or could see.</summary>
    private static int IndexOfUnwritable(string label)
    {
        for (var i = 0; i < label.Length; i++)
        {
            if (char.IsWhiteSpace(label[i]) || char.IsControl(label[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
