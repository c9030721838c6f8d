using System.Globalization;
using System.Text;
using DnsClient.Protocol;
using Sentinel.Probes.Names;

namespace Sentinel.Probes.Dns;

/// <summary>
/// Records of types DnsClient does not parse, which it keeps as raw RDATA. DNAME (RFC 6672), which a resolver
/// sends beside the CNAME it synthesises, is shown as dig shows it, a domain name; every other type in RFC 3597
/// §5's generic form, <c>\# length hex</c>, which says exactly what was sent and compares octet for octet.
/// </summary>
internal static class DnsUnknownData
{
    private const int Dname = 39;

    /// <summary>The mnemonic of a type DnsClient has none for: DNAME, or <c>TYPEnn</c> (RFC 3597 §5).</summary>
    public static string TypeName(int type) => type == Dname ? "DNAME" : $"TYPE{type}";

    /// <summary>The record's data as shown, and as compared (a DNAME target lower-cased, RFC 4343).</summary>
    public static (string Data, string Normalised) Format(UnknownRecord record)
    {
        byte[] data = [.. record.Data ?? []];
        if ((int)record.RecordType == Dname && TryName(data, out var target))
        {
            return (target, DnsNames.LowerAscii(target));
        }

        var generic = Generic(data);
        return (generic, generic);
    }

    /// <summary>RFC 3597 §5: <c>\#</c>, the length in octets, and the octets in hex (none for empty data).</summary>
    public static string Generic(ReadOnlySpan<byte> data) =>
        data.IsEmpty ? "\\# 0" : $"\\# {data.Length.ToString(CultureInfo.InvariantCulture)} {Convert.ToHexString(data)}";

    /// <summary>
    /// An uncompressed domain name that fills the data exactly, in presentation form (RFC 1035 §5.1: <c>.</c> and
    /// special characters escaped with a backslash, other octets outside 0x21–0x7E as <c>\DDD</c>). Servers do not
    /// compress names in the data of types newer than RFC 1035 (RFC 3597 §4); a target that is compressed anyway
    /// (DnsClient keeps no message to follow the pointer in) or does not fill the data is shown in the generic form.
    /// </summary>
    private static bool TryName(ReadOnlySpan<byte> data, out string name)
    {
        name = string.Empty;
        var sb = new StringBuilder();
        var at = 0;
        while (at < data.Length)
        {
            var length = data[at];
            if (length == 0)
            {
                if (at != data.Length - 1)
                {
                    return false;
                }

                name = sb.Length == 0 ? "." : sb.ToString();
                return true;
            }

            if (length > 63 || at + 1 + length > data.Length)
            {
                return false;
            }

            foreach (var b in data.Slice(at + 1, length))
            {
                if (b is (byte)'.' or (byte)'"' or (byte)'(' or (byte)')' or (byte)';' or (byte)'@' or (byte)'$' or (byte)'\\')
                {
                    sb.Append('\\').Append((char)b);
                }
                else if (b is <= 0x20 or >= 0x7f)
                {
                    sb.Append('\\').Append(b.ToString("000", CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append((char)b);
                }
            }

            sb.Append('.');
            at += 1 + length;
        }

        return false;
    }
}
