using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Sentinel.Testing;

/// <summary>
/// An authoritative DNS server on loopback (UDP and TCP, same port) serving a zone the test controls and may
/// change while it runs. Names without records answer NXDOMAIN, names with records of other types answer
/// NOERROR with no answer (NODATA); both carry the SOA of the enclosing zone in the authority section when
/// the zone has one (RFC 2308). CNAMEs are followed within the zone. A name can be given authority and
/// additional records, made to answer a given rcode, or not to answer at all. UDP answers larger than the
/// client's limit (512 bytes, or its EDNS0 buffer size) are truncated with the TC flag, as real servers do.
/// </summary>
public sealed partial class DnsZoneServer : IDisposable
{
    private readonly object _gate = new();
    private readonly List<DnsRecordBase> _records = [];
    private readonly List<(DomainName Name, DnsRecordBase Record)> _authority = [];
    private readonly List<(DomainName Name, DnsRecordBase Record)> _additional = [];
    private readonly Dictionary<DomainName, ReturnCode> _returnCodes = [];
    private readonly HashSet<DomainName> _silent = [];
    private readonly List<ReceivedQuery> _received = [];
    private readonly DnsServer _server;
    private readonly CancellationTokenSource _stopping = new();
    private int _queries;
    private int _rotation;

    private DnsZoneServer(DnsServer server, IPEndPoint endPoint)
    {
        _server = server;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The server as a check's <c>resolver</c> field writes it.</summary>
    public string Address => $"{EndPoint.Address}:{EndPoint.Port}";

    /// <summary>How many queries the server has received.</summary>
    public int Queries => Volatile.Read(ref _queries);

    /// <summary>
    /// Behave like a recursive resolver that serves only recursive queries: answer REFUSED when the query
    /// does not set RD, and set RA in answers.
    /// </summary>
    public bool RequireRecursionDesired { get; set; }

    /// <summary>Rotate the order of the answer records on every query, as BIND's cyclic rrset-order does.</summary>
    public bool RotateAnswers { get; set; }

    /// <summary>Every query answered so far, in order: how it came and what it asked.</summary>
    public IReadOnlyList<ReceivedQuery> Received
    {
        get
        {
            lock (_gate)
            {
                return _received.ToArray();
            }
        }
    }

    public static DnsZoneServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreeUdpAndTcpPort();
            var endPoint = new IPEndPoint(IPAddress.Loopback, port);
            var server = new DnsServer(new UdpServerTransport(endPoint, 5000), new TcpServerTransport(endPoint, 5000, 60000));
            var zone = new DnsZoneServer(server, endPoint);
            server.QueryReceived += zone.OnQueryAsync;
            try
            {
                server.Start();
                return zone;
            }
            catch (SocketException) when (attempt < 10)
            {
                server.Stop();
            }
        }
    }

    /// <summary>Adds a record to the zone.</summary>
    public void Add(DnsRecordBase record)
    {
        lock (_gate)
        {
            _records.Add(record);
        }
    }

    /// <summary>Adds an A or AAAA record.</summary>
    public void AddAddress(string name, string address, int ttl = 300)
    {
        var ip = IPAddress.Parse(address);
        Add(ip.AddressFamily == AddressFamily.InterNetworkV6
            ? new AaaaRecord(DomainName.Parse(name), ttl, ip)
            : new ARecord(DomainName.Parse(name), ttl, ip));
    }

    /// <summary>Removes every record of a name, with its authority and additional records.</summary>
    public void Remove(string name)
    {
        var domain = DomainName.Parse(name);
        lock (_gate)
        {
            _records.RemoveAll(r => r.Name.Equals(domain, ignoreCase: true));
            _authority.RemoveAll(r => r.Name.Equals(domain, ignoreCase: true));
            _additional.RemoveAll(r => r.Name.Equals(domain, ignoreCase: true));
        }
    }

    /// <summary>Removes the records of one type at a name.</summary>
    public void Remove(string name, RecordType type)
    {
        var domain = DomainName.Parse(name);
        lock (_gate)
        {
            _records.RemoveAll(r => r.Name.Equals(domain, ignoreCase: true) && r.RecordType == type);
        }
    }

    /// <summary>Adds a record to the authority section of answers for <paramref name="name"/>.</summary>
    public void AddAuthority(string name, DnsRecordBase record)
    {
        lock (_gate)
        {
            _authority.Add((DomainName.Parse(name), record));
        }
    }

    /// <summary>Adds a record to the additional section of answers for <paramref name="name"/>.</summary>
    public void AddAdditional(string name, DnsRecordBase record)
    {
        lock (_gate)
        {
            _additional.Add((DomainName.Parse(name), record));
        }
    }

    /// <summary>Makes queries for <paramref name="name"/> answer <paramref name="code"/>.</summary>
    public void AnswerWith(string name, ReturnCode code)
    {
        lock (_gate)
        {
            _returnCodes[DomainName.Parse(name)] = code;
        }
    }

    /// <summary>Makes queries for <paramref name="name"/> go unanswered.</summary>
    public void Silence(string name)
    {
        lock (_gate)
        {
            _silent.Add(DomainName.Parse(name));
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        try
        {
            _server.Stop();
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OperationCanceledException))
        {
            // The server cancels its own listeners on stop and reports that as an error.
        }

        _stopping.Dispose();
    }

    private async Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is DnsMessage { Questions.Count: 1 } silenced && IsSilent(silenced.Questions[0].Name))
        {
            // Hold the query until the server stops: the client sees no answer at all, as from a dead server.
            try
            {
                await Task.Delay(Timeout.Infinite, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        Answer(e);
    }

    private bool IsSilent(DomainName name)
    {
        lock (_gate)
        {
            return _silent.Any(n => n.Equals(name, ignoreCase: true));
        }
    }

    private static int FreeUdpAndTcpPort()
    {
        while (true)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for TCP; try another.
            }
        }
    }
}

/// <summary>A query the server answered.</summary>
/// <param name="Protocol">How it came: UDP or TCP.</param>
/// <param name="Name">The name asked for.</param>
/// <param name="Type">The record type asked for.</param>
/// <param name="RecursionDesired">Whether the RD flag was set.</param>
/// <param name="EdnsBufferSize">The EDNS0 UDP payload size the client offered, or null without EDNS0.</param>
public sealed record ReceivedQuery(TransportProtocol Protocol, string Name, RecordType Type, bool RecursionDesired, int? EdnsBufferSize);
