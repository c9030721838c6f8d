using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sentinel.Probes.Names;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>
/// A record a check expects, written either in full (<c>www.example.com. A 192.0.2.1</c>: an owner name ending
/// in a dot, a type, the data) or as the data alone (<c>192.0.2.1</c>, <c>10 mx1.example.com</c>), which stands
/// for a record of the queried type at any owner. The data is normalised as answers are (canonical addresses,
/// lower-cased names with their final dot, quoted text), so that a check may be written as people type it.
/// </summary>
internal sealed record DnsExpectedRecord(string? Name, string Type, string Data)
{
    /// <summary>Whether <paramref name="record"/> is this record.</summary>
    public bool Matches(DnsRecordView record) =>
        record.Type == Type && record.NormalisedData == Data && (Name is null || record.NormalisedName == Name);

    /// <summary>As written in normal form: the data alone, or <c>name TYPE data</c>.</summary>
    public override string ToString() => Name is null ? Data : $"{Name} {Type} {Data}";

    /// <summary>Parses an expected record; <paramref name="queryType"/> is the type data-only entries have.</summary>
    public static bool TryParse(string text, string queryType, [NotNullWhen(true)] out DnsExpectedRecord? record, out string error)
    {
        record = null;
        var trimmed = text.Trim();
        string? name = null;
        var type = queryType;
        var data = trimmed;
        var fields = trimmed.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 3 && fields[0].EndsWith('.') && DnsVocabulary.RecordTypes.ContainsKey(fields[1].ToUpperInvariant()))
        {
            if (!DnsNames.TryNormalise(fields[0], out name, out var nameError))
            {
                error = $"\"{fields[0]}\" is not a valid owner name: {nameError}";
                return false;
            }

            type = fields[1].ToUpperInvariant();
            data = fields[2];
        }

        if (!TryData(type, data, out var normalised, out error))
        {
            // Name the whole entry, not only its data part, so that the mistake can be found in the file.
            error = name is null ? error : error.Replace($"got \"{data}\"", $"got \"{trimmed}\"", StringComparison.Ordinal);
            return false;
        }

        record = new DnsExpectedRecord(name, type, normalised);
        return true;
    }

    private static bool TryData(string type, string data, [NotNullWhen(true)] out string? normalised, out string error)
    {
        normalised = null;
        error = string.Empty;
        var fields = data.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        switch (type)
        {
            case "A" or "AAAA":
                var family = type == "A" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                if (fields.Length == 1 && IPAddress.TryParse(fields[0], out var address) && address.AddressFamily == family
                    && (family == AddressFamily.InterNetworkV6 || fields[0].Count(c => c == '.') == 3))
                {
                    normalised = address.ToString();
                    return true;
                }

                error = $"expected an {(type == "A" ? "IPv4" : "IPv6")} address for an {type} record, got \"{data}\"";
                return false;
            case "CNAME" or "NS" or "PTR":
                if (fields.Length == 1 && TryName(fields[0], out normalised))
                {
                    return true;
                }

                error = $"expected a domain name for a {type} record, got \"{data}\"";
                return false;
            case "MX":
                return Fields(fields, [Number(ushort.MaxValue), DomainName], "preference exchange, as in \"10 mx1.example.com.\"", data, out normalised, out error);
            case "SRV":
                return Fields(fields, [Number(ushort.MaxValue), Number(ushort.MaxValue), Number(ushort.MaxValue), DomainName],
                    "priority weight port target, as in \"10 5 5060 sip.example.com.\"", data, out normalised, out error);
            case "SOA":
                return Fields(fields, [DomainName, DomainName, Number(uint.MaxValue), Number(uint.MaxValue), Number(uint.MaxValue), Number(uint.MaxValue), Number(uint.MaxValue)],
                    "mname rname serial refresh retry expire minimum", data, out normalised, out error);
            case "TXT":
                return TryText(data, out normalised, out error);
            case "CAA":
                var parts = data.Trim().Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 3 && byte.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var flags)
                    && parts[1].All(char.IsAsciiLetterOrDigit) && TryText(parts[2], out var value, out _) && !value.Contains("\" \"", StringComparison.Ordinal))
                {
                    normalised = $"{flags} {DnsNames.LowerAscii(parts[1])} {value}";
                    return true;
                }

                error = $"expected flags tag value for a CAA record, as in 0 issue \"ca.example.net\", got \"{data}\"";
                return false;
            default:
                error = $"records of type {type} cannot be expected";
                return false;
        }
    }

    private delegate bool Field(string text, [NotNullWhen(true)] out string? normalised);

    private static readonly Field DomainName = TryName;

    private static Field Number(ulong max) => (string text, [NotNullWhen(true)] out string? normalised) =>
    {
        var ok = ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= max;
        normalised = ok ? n.ToString(CultureInfo.InvariantCulture) : null;
        return ok;
    };

    private static bool Fields(string[] fields, Field[] parsers, string shape, string data, [NotNullWhen(true)] out string? normalised, out string error)
    {
        normalised = null;
        error = $"expected {shape}, got \"{data}\"";
        if (fields.Length != parsers.Length)
        {
            return false;
        }

        var parts = new string[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            if (!parsers[i](fields[i], out var part))
            {
                return false;
            }

            parts[i] = part;
        }

        normalised = string.Join(' ', parts);
        error = string.Empty;
        return true;
    }

    /// <summary>A domain name in data: a DNS name (RFC 2181 §11), lower-cased, IDNA-encoded, with its final dot; <c>.</c> is the root.</summary>
    private static bool TryName(string text, [NotNullWhen(true)] out string? normalised) => DnsNames.TryNormalise(text, out normalised, out _);

    /// <summary>
    /// Character strings: either quoted, as dig prints them (<c>"v=spf1 -all"</c>, several strings separated by
    /// spaces, with <c>\"</c>, <c>\\</c> and <c>\DDD</c> escapes, <c>\DDD</c> being one octet), or bare text, which is
    /// one string. Other characters stand for their UTF-8 octets, so <c>"café"</c> and <c>"caf\195\169"</c> are
    /// the same string; the normal form is dig's, octet for octet, as answers are shown.
    /// </summary>
    private static bool TryText(string data, [NotNullWhen(true)] out string? normalised, out string error)
    {
        normalised = null;
        error = string.Empty;
        var text = data.Trim();
        if (!text.StartsWith('"'))
        {
            normalised = DnsRecordView.Quote(text);
            return true;
        }

        var strings = new List<byte[]>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] != '"')
            {
                error = $"expected quoted strings separated by spaces, got \"{data}\"";
                return false;
            }

            var octets = new List<byte>();
            i++;
            while (i < text.Length && text[i] != '"')
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    if (i + 3 < text.Length && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2]) && char.IsAsciiDigit(text[i + 3]))
                    {
                        if (int.Parse(text.AsSpan(i + 1, 3), CultureInfo.InvariantCulture) is not (var code and <= 255))
                        {
                            error = $"\\{text.AsSpan(i + 1, 3)} is not an octet (\\000 to \\255), in \"{data}\"";
                            return false;
                        }

                        octets.Add((byte)code);
                        i += 4;
                        continue;
                    }

                    i++;
                }

                // One character, or a surrogate pair, as its UTF-8 octets.
                var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
                octets.AddRange(Encoding.UTF8.GetBytes(text.Substring(i, width)));
                i += width;
            }

            if (i >= text.Length)
            {
                error = $"a quoted string is not closed: {data}";
                return false;
            }

            strings.Add([.. octets]);
            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
        }

        normalised = string.Join(' ', strings.Select(octets => DnsCharacterStrings.Quote(octets)));
        return true;
    }
}
