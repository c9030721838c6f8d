using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// A distinguished name written exactly as Go's <c>pkix.Name.String()</c> writes it, which is what
/// blackbox_exporter puts in the <c>subject</c> and <c>issuer</c> labels of <c>probe_ssl_last_chain_info</c>
/// (<c>cert.Subject.String()</c>), so that dashboards and alert rules that match on those labels work unchanged.
/// Reports keep .NET's readable form (<see cref="CertificateFacts.Subject"/>).
/// </summary>
/// <remarks>
/// Go parses the name into fields and writes it back from them, so its string is not the certificate's own
/// order: the attributes it knows (C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER) come out in the fixed
/// order SERIALNUMBER, CN, OU, O, POSTALCODE, STREET, L, ST, C, several values of one type joined with <c>+</c>
/// into one RDN (only the last CN and SERIALNUMBER survive); every other attribute follows, one per RDN, last
/// first, as <c>OID=#hex</c> of its value re-encoded by Go's asn1.Marshal (a PrintableString when its characters
/// allow, else a UTF8String). RDNs are separated by <c>,</c> without a space; values escape <c>, + " \ &lt; &gt; ;</c>,
/// a leading or trailing space and a leading <c>#</c> with a backslash (RFC 2253, 2.4). Where Go would refuse the
/// name (a malformed encoding, an unsupported string type) the certificate never reaches blackbox_exporter's
/// labels; this writes the nearest readable form instead.
/// </remarks>
internal static class GoDistinguishedName
{
    // pkix's attributeTypeNames: the only types written by name.
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["2.5.4.6"] = "C",
        ["2.5.4.10"] = "O",
        ["2.5.4.11"] = "OU",
        ["2.5.4.3"] = "CN",
        ["2.5.4.5"] = "SERIALNUMBER",
        ["2.5.4.7"] = "L",
        ["2.5.4.8"] = "ST",
        ["2.5.4.9"] = "STREET",
        ["2.5.4.17"] = "POSTALCODE",
    };

    // pkix.Name.ToRDNSequence's order; String() writes the sequence backwards.
    private static readonly string[] FieldOrder = ["2.5.4.6", "2.5.4.8", "2.5.4.7", "2.5.4.9", "2.5.4.17", "2.5.4.10", "2.5.4.11"];

    /// <summary>The name as Go writes it, e.g. <c>CN=www.example.com,O=Example\, Inc.,C=US</c>.</summary>
    public static string Format(X500DistinguishedName name)
    {
        List<(string Oid, string Value)> attributes;
        try
        {
            attributes = Read(name.RawData);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException)
        {
            return CertificateFacts.Printable(name.Name);
        }

        // FillFromRDNSequence: the known types go to fields (CN and SERIALNUMBER keep the last value), the rest
        // stays in Names and is written first in the sequence, so last in the string (Go issue 39924).
        var rdns = new List<IReadOnlyList<(string Oid, string Value)>>();
        rdns.AddRange(attributes.Where(a => !Names.ContainsKey(a.Oid)).Select(a => (IReadOnlyList<(string, string)>)[a]));
        foreach (var oid in FieldOrder)
        {
            var values = attributes.Where(a => a.Oid == oid).ToList();
            if (values.Count > 0)
            {
                rdns.Add(values);
            }
        }

        foreach (var oid in (string[])["2.5.4.3", "2.5.4.5"])
        {
            if (attributes.LastOrDefault(a => a.Oid == oid) is { Value.Length: > 0 } last)
            {
                rdns.Add([last]);
            }
        }

        var text = new StringBuilder();
        for (var i = rdns.Count - 1; i >= 0; i--)
        {
            if (i < rdns.Count - 1)
            {
                text.Append(',');
            }

            for (var j = 0; j < rdns[i].Count; j++)
            {
                if (j > 0)
                {
                    text.Append('+');
                }

                var (oid, value) = rdns[i][j];
                if (Names.TryGetValue(oid, out var typeName))
                {
                    text.Append(typeName).Append('=').Append(Escape(value));
                }
                else
                {
                    text.Append(oid).Append("=#").Append(Convert.ToHexStringLower(Marshal(value)));
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The attributes in the order of the encoding, with their values decoded as Go's parseASN1String does.</summary>
    private static List<(string Oid, string Value)> Read(byte[] der)
    {
        var attributes = new List<(string, string)>();
        var sequence = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        while (sequence.HasData)
        {
            var set = sequence.ReadSetOf(skipSortOrderValidation: true);
            while (set.HasData)
            {
                var attribute = set.ReadSequence();
                var oid = attribute.ReadObjectIdentifier();
                var tag = attribute.PeekTag();
                var content = attribute.ReadEncodedValue();
                AsnDecoder.ReadEncodedValue(content.Span, AsnEncodingRules.DER, out var offset, out var length, out _);
                attributes.Add((oid, Decode(tag, content.Span.Slice(offset, length))));
            }
        }

        return attributes;
    }

    private static string Decode(Asn1Tag tag, ReadOnlySpan<byte> value)
    {
        if (tag.TagClass != TagClass.Universal)
        {
            return Encoding.Latin1.GetString(value);
        }

        return (UniversalTagNumber)tag.TagValue switch
        {
            // T.61 is treated as Latin-1, as Go and BoringSSL do.
            UniversalTagNumber.T61String => Encoding.Latin1.GetString(value),
            UniversalTagNumber.UTF8String => Encoding.UTF8.GetString(value),
            UniversalTagNumber.BMPString => Encoding.BigEndianUnicode.GetString(
                value.Length >= 2 && value[^1] == 0 && value[^2] == 0 ? value[..^2] : value),
            _ => Encoding.Latin1.GetString(value),
        };
    }

    /// <summary>RFC 2253 escaping as Go's RDNSequence.String does it (no hex escapes, control characters kept).</summary>
    private static string Escape(string value)
    {
        var text = new StringBuilder(value.Length);
        for (var k = 0; k < value.Length; k++)
        {
            var c = value[k];
            var escape = c switch
            {
                ',' or '+' or '"' or '\\' or '<' or '>' or ';' => true,
                ' ' => k == 0 || k == value.Length - 1,
                '#' => k == 0,
                _ => false,
            };
            if (escape)
            {
                text.Append('\\');
            }

            text.Append(c);
        }

        return text.ToString();
    }

    /// <summary>Go's asn1.Marshal of a string: a PrintableString when every character allows it, else a UTF8String.</summary>
    private static byte[] Marshal(string value)
    {
        var printable = value.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '\'' or '(' or ')' or '+' or ',' or '-' or '.' or '/' or ' ' or ':' or '=' or '?');
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(printable ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String, value);
        return writer.Encode();
    }
}
