using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Sentinel.Testing;

/// <summary>How <see cref="DnsZoneServer"/> builds its answers.</summary>
public sealed partial class DnsZoneServer
{
    /// <summary>The longest CNAME chain followed; a loop in the zone stops here instead of spinning.</summary>
    private const int MaxCnameChain = 8;

    private void Answer(QueryReceivedEventArgs e)
    {
        Interlocked.Increment(ref _queries);
        if (e.Query is not DnsMessage query || query.Questions.Count != 1)
        {
            return;
        }

        var question = query.Questions[0];
        var response = query.CreateResponseInstance();
        response.IsAuthoritiveAnswer = true;
        if (query.IsEDnsEnabled && query.EDnsOptions is { } options)
        {
            // Offering the client's own size makes the server truncate UDP answers at exactly that size
            // (RFC 6891 §6.2.5: the responder must not exceed the requestor's payload size).
            response.EDnsOptions = new OptRecord(Math.Min(options.UdpPayloadSize, (ushort)4096), []);
        }

        lock (_gate)
        {
            _received.Add(new ReceivedQuery(e.TransportProtocol, question.Name.ToString(), question.RecordType, query.IsRecursionDesired,
                query.IsEDnsEnabled ? query.EDnsOptions?.UdpPayloadSize : null));
            response.IsRecursionAllowed = RequireRecursionDesired;
            var code = _returnCodes.FirstOrDefault(r => r.Key.Equals(question.Name, ignoreCase: true));
            if (RequireRecursionDesired && !query.IsRecursionDesired)
            {
                response.ReturnCode = ReturnCode.Refused;
            }
            else if (code.Key is not null)
            {
                response.ReturnCode = code.Value;
            }
            else
            {
                Resolve(question, response);
            }
        }

        e.Response = response;
    }

    /// <summary>Fills the answer (following CNAMEs within the zone, RFC 1034 §4.3.2), authority and additional sections.</summary>
    private void Resolve(DnsQuestion question, DnsMessage response)
    {
        var name = question.Name;
        for (var hop = 0; hop < MaxCnameChain; hop++)
        {
            var atName = _records.Where(r => r.Name.Equals(name, ignoreCase: true)).ToList();
            if (atName.Count == 0)
            {
                // Only the first name decides the rcode: a CNAME into nothing is still NOERROR for the alias.
                response.ReturnCode = hop == 0 ? ReturnCode.NxDomain : ReturnCode.NoError;
                break;
            }

            response.ReturnCode = ReturnCode.NoError;
            var matching = atName.Where(r => r.RecordType == question.RecordType || question.RecordType == RecordType.Any).ToList();
            var cname = atName.OfType<CNameRecord>().FirstOrDefault();
            if (matching.Count == 0 && cname is not null)
            {
                response.AnswerRecords.Add(cname);
                name = cname.CanonicalName;
                continue;
            }

            response.AnswerRecords.AddRange(Rotate(matching));
            break;
        }

        response.AuthorityRecords.AddRange(_authority.Where(a => a.Name.Equals(question.Name, ignoreCase: true)).Select(a => a.Record));
        response.AdditionalRecords.AddRange(_additional.Where(a => a.Name.Equals(question.Name, ignoreCase: true)).Select(a => a.Record));
        if (response.AnswerRecords.Count == 0 && EnclosingSoa(question.Name) is { } soa)
        {
            // A negative answer carries the zone's SOA so that resolvers know how long to cache it (RFC 2308 §3).
            response.AuthorityRecords.Add(soa);
        }
    }

    private List<DnsRecordBase> Rotate(List<DnsRecordBase> records)
    {
        if (!RotateAnswers || records.Count < 2)
        {
            return records;
        }

        var shift = _rotation++ % records.Count;
        return [.. records.Skip(shift), .. records.Take(shift)];
    }

    private SoaRecord? EnclosingSoa(DomainName name) =>
        _records.OfType<SoaRecord>()
            .Where(soa => IsEqualOrBelow(name, soa.Name))
            .OrderByDescending(soa => soa.Name.LabelCount)
            .FirstOrDefault();

    private static bool IsEqualOrBelow(DomainName name, DomainName zone)
    {
        var child = name.ToString().TrimEnd('.');
        var parent = zone.ToString().TrimEnd('.');
        return parent.Length == 0
            || child.Equals(parent, StringComparison.OrdinalIgnoreCase)
            || child.EndsWith("." + parent, StringComparison.OrdinalIgnoreCase);
    }
}
