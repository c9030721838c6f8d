using System.Globalization;
using System.Text;
using DnsClient;
using DnsClient.Protocol;

namespace Sentinel.Probes.Dns;

/// <summary>
/// One resource record as Sentinel shows and compares it. <see cref="Presentation"/> is the zone-file line dig
/// prints (and blackbox_exporter's regular expressions see): name, TTL, class, type and data, tab-separated.
/// <see cref="Normalised"/> is what answer sets are compared by: owner and domain names in the data lower-cased
/// (DNS names compare without regard to ASCII case, RFC 4343), no TTL (a TTL that counts down or is tuned is
/// not a different answer), text data kept as it is.
/// </summary>
internal sealed record DnsRecordView(string Name, int Ttl, string Type, string Data, string NormalisedData)
{
    /// <summary>The owner name lower-cased.</summary>
    public string NormalisedName => LowerAscii(Name);

    /// <summary><c>name TTL IN TYPE data</c>, tab-separated, as dig prints it.</summary>
    public string Presentation => $"{Name}\t{Ttl.ToString(CultureInfo.InvariantCulture)}\tIN\t{Type}\t{Data}";

    /// <summary><c>name TYPE data</c> with names lower-cased and no TTL: the form answer sets are compared in.</summary>
    public string Normalised => $"{NormalisedName} {Type} {NormalisedData}";

    /// <summary>Views a record DnsClient parsed.</summary>
    public static DnsRecordView From(DnsResourceRecord record)
    {
        var (data, normalised) = record switch
        {
            AddressRecord a => Same(a.Address.ToString()),
            CNameRecord c => Names(c.CanonicalName.Value),
            NsRecord ns => Names(ns.NSDName.Value),
            PtrRecord p => Names(p.PtrDomainName.Value),
            MxRecord mx => Names($"{mx.Preference} {mx.Exchange.Value}"),
            SrvRecord srv => Names($"{srv.Priority} {srv.Weight} {srv.Port} {srv.Target.Value}"),
            SoaRecord soa => Names($"{soa.MName.Value} {soa.RName.Value} {soa.Serial} {soa.Refresh} {soa.Retry} {soa.Expire} {soa.Minimum}"),
            TxtRecord txt => Same(string.Join(' ', txt.Text.Select(Quote))),
            // RFC 8659 §4.1: the tag is matched without regard to case; the value is opaque.
            CaaRecord caa => ($"{caa.Flags} {caa.Tag} {Quote(caa.Value)}", $"{caa.Flags} {LowerAscii(caa.Tag)} {Quote(caa.Value)}"),
            _ => Same(DataOf(record)),
        };

        return new DnsRecordView(record.DomainName.Value, record.InitialTimeToLive, TypeName(record.RecordType), data, normalised);

        static (string, string) Same(string text) => (text, text);
        static (string, string) Names(string text) => (text, LowerAscii(text));
    }

    /// <summary>The mnemonic of a record type, or <c>TYPEnn</c> for one without (RFC 3597 §5).</summary>
    public static string TypeName(ResourceRecordType type) =>
        Enum.IsDefined(type) ? type.ToString().ToUpperInvariant() : $"TYPE{(int)type}";

    /// <summary>A character string in presentation form: quoted, with quotes, backslashes and control characters escaped (RFC 1035 §5.1).</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\').Append(c);
            }
            else if (c < 0x20 || c == 0x7f)
            {
                sb.Append('\\').Append(((int)c).ToString("000", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>Lower-cases ASCII letters only: DNS names compare case-insensitively for ASCII alone (RFC 4343 §3).</summary>
    public static string LowerAscii(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            span[i] = char.IsAsciiLetterUpper(source[i]) ? (char)(source[i] | 0x20) : source[i];
        }
    });

    /// <summary>The data part of DnsClient's own presentation (<c>name ttl class type data</c>) for types Sentinel does not format itself.</summary>
    private static string DataOf(DnsResourceRecord record)
    {
        var text = record.ToString();
        var parts = text.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 5 ? parts[4] : string.Empty;
    }
}
