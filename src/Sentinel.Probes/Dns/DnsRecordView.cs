using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using DnsClient;
using DnsClient.Protocol;
using Sentinel.Probes.Names;

namespace Sentinel.Probes.Dns;

/// <summary>
/// One resource record as Sentinel shows and compares it. <see cref="Presentation"/> is the zone-file line dig
/// prints (and blackbox_exporter's regular expressions see): name, TTL, class, type and data, tab-separated.
/// <see cref="Normalised"/> is what answer sets are compared by: owner and domain names in the data lower-cased
/// (DNS names compare without regard to ASCII case, RFC 4343), no TTL (a TTL that counts down or is tuned is
/// not a different answer), character strings octet for octet in dig's escaped form. In a dns check's details'
/// JSON it is <c>{"name", "ttl", "type", "data"}</c>.
/// </summary>
internal sealed record DnsRecordView(string Name, int Ttl, string Type, string Data, [property: JsonIgnore] string NormalisedData)
{
    /// <summary>The owner name lower-cased.</summary>
    [JsonIgnore]
    public string NormalisedName => DnsNames.LowerAscii(Name);

    /// <summary><c>name TTL IN TYPE data</c>, tab-separated, as dig prints it.</summary>
    [JsonIgnore]
    public string Presentation => $"{Name}\t{Ttl.ToString(CultureInfo.InvariantCulture)}\tIN\t{Type}\t{Data}";

    /// <summary><c>name TYPE data</c> with names lower-cased and no TTL: the form answer sets are compared in.</summary>
    [JsonIgnore]
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
            TxtRecord txt => Same(string.Join(' ', txt.EscapedText.Zip(txt.Text, DnsCharacterStrings.Recover).Select(octets => DnsCharacterStrings.Quote(octets)))),
            // RFC 8659 §4.1: the tag is matched without regard to case; the value is opaque.
            CaaRecord caa => ($"{caa.Flags} {caa.Tag} {Quote(caa.Value)}", $"{caa.Flags} {DnsNames.LowerAscii(caa.Tag)} {Quote(caa.Value)}"),
            UnknownRecord unknown => DnsUnknownData.Format(unknown),
            _ => Same(DataOf(record)),
        };

        // RFC 2181 §8: a TTL with the top bit set is to be taken as 0. DnsClient reads the 32 bits into an int, so
        // exactly those TTLs come out negative.
        var ttl = Math.Max(0, record.InitialTimeToLive);
        return new DnsRecordView(record.DomainName.Value, ttl, TypeName(record.RecordType), data, normalised);

        static (string, string) Same(string text) => (text, text);
        static (string, string) Names(string text) => (text, DnsNames.LowerAscii(text));
    }

    /// <summary>The mnemonic of a record type, or <c>TYPEnn</c> for one without (RFC 3597 §5).</summary>
    public static string TypeName(ResourceRecordType type) =>
        Enum.IsDefined(type) ? type.ToString().ToUpperInvariant() : DnsUnknownData.TypeName((int)type);

    /// <summary>Text as a character string in presentation form: its UTF-8 octets, quoted as dig prints them (RFC 1035 §5.1).</summary>
    public static string Quote(string text) => DnsCharacterStrings.Quote(Encoding.UTF8.GetBytes(text));

    /// <summary>The data part of DnsClient's own presentation (<c>name ttl class type data</c>) for types Sentinel does not format itself.</summary>
    private static string DataOf(DnsResourceRecord record)
    {
        var text = record.ToString();
        var parts = text.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 5 ? parts[4] : string.Empty;
    }
}
