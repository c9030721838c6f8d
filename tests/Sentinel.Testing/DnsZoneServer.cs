using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Sentinel.Testing;

/// <summary>
/// An authoritative DNS server on loopback (UDP and TCP, same port) serving a zone the test controls and may
/// change while it runs. Names without records answer NXDOMAIN, names with records of other types answer
/// NOERROR with no answer (NODATA). A name can be made to answer a given rcode, or not to answer at all.
/// </summary>
public sealed class DnsZoneServer : IDisposable
{
    private readonly object _gate = new();
    private readonly List<DnsRecordBase> _records = [];
    private readonly Dictionary<DomainName, ReturnCode> _returnCodes = [];
    private readonly HashSet<DomainName> _silent = [];
    private readonly DnsServer _server;
    private readonly CancellationTokenSource _stopping = new();
    private int _queries;

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

    /// <summary>Removes every record of a name.</summary>
    public void Remove(string name)
    {
        var domain = DomainName.Parse(name);
        lock (_gate)
        {
            _records.RemoveAll(r => r.Name.Equals(domain, ignoreCase: true));
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
        lock (_gate)
        {
            var code = _returnCodes.FirstOrDefault(r => r.Key.Equals(question.Name, ignoreCase: true));
            if (code.Key is not null)
            {
                response.ReturnCode = code.Value;
            }
            else
            {
                var atName = _records.Where(r => r.Name.Equals(question.Name, ignoreCase: true)).ToList();
                response.ReturnCode = atName.Count == 0 ? ReturnCode.NxDomain : ReturnCode.NoError;
                response.AnswerRecords.AddRange(atName.Where(r => r.RecordType == question.RecordType || question.RecordType == RecordType.Any));
            }
        }

        e.Response = response;
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
