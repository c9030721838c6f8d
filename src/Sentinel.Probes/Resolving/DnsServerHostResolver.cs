using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Resolving;

/// <summary>
/// Resolves through one named DNS server (a check's <c>resolver</c>) with DnsClient, so that the rcode is
/// known exactly: NXDOMAIN, SERVFAIL, REFUSED, the other rcodes (<c>dns_rcode</c>, as the dns probe has them) and
/// an empty answer are told apart, unlike with getaddrinfo.
/// With <see cref="IpVersion.Any"/>, A and AAAA are asked together and IPv4 addresses come first.
/// </summary>
internal sealed class DnsServerHostResolver : IHostResolver
{
    private readonly IPEndPoint _server;

    public DnsServerHostResolver(string server)
    {
        if (!ResolverAddress.TryParse(server, out var endpoint, out var error))
        {
            throw new ArgumentException(error, nameof(server));
        }

        _server = endpoint;
        Name = server;
    }

    public string Name { get; }

    public async ValueTask<HostLookup> ResolveAsync(string host, IpVersion version, CancellationToken cancellationToken)
    {
        var options = new LookupClientOptions(new NameServer(_server))
        {
            UseCache = false,
            Retries = 0,
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
            UseTcpFallback = true,

            // The check's deadline is the real bound; this only keeps a lost datagram from waiting forever.
            Timeout = TimeSpan.FromSeconds(30),
        };
        var client = new LookupClient(options);

        var queries = version switch
        {
            IpVersion.V4 => [QueryType.A],
            IpVersion.V6 => [QueryType.AAAA],
            _ => new[] { QueryType.A, QueryType.AAAA },
        };

        try
        {
            var responses = await Task.WhenAll(queries.Select(q => client.QueryAsync(host, q, QueryClass.IN, cancellationToken)))
                .ConfigureAwait(false);
            var addresses = new List<IPAddress>();
            foreach (var (response, type) in responses.Zip(queries))
            {
                var rcode = response.Header.ResponseCode;
                if (rcode == DnsHeaderResponseCode.NoError)
                {
                    addresses.AddRange(response.Answers.OfType<AddressRecord>().Select(r => r.Address));
                    continue;
                }

                // The dns probe's categories and hints: one rcode means the same whichever check asked.
                var asking = new DnsAsking(options.Recursion, options.ExtendedDnsBufferSize, CheckSetsEdns: false);
                return HostLookup.Failed(new Problem(Layers.Dns, DnsRcodes.Category(rcode), rcode switch
                {
                    DnsHeaderResponseCode.NotExistentDomain => $"{host} does not exist: {Name} answered NXDOMAIN",
                    DnsHeaderResponseCode.ServerFailure => $"{Name} answered SERVFAIL for {host}",
                    DnsHeaderResponseCode.Refused => $"{Name} refused to resolve {host} (REFUSED)",
                    _ => $"{Name} answered {DnsVocabulary.Name(rcode)} for {host} {DnsVocabulary.Name(type)}",
                }, DnsRcodes.Hint(rcode, Name, host, asking)));
            }

            return addresses.Count > 0
                ? HostLookup.Of(addresses)
                : HostLookup.Failed(new Problem(Layers.Dns, FailureCategories.DnsNoAddress,
                    $"{host} has no {SystemHostResolver.Family(version)} address at {Name}",
                    $"publish the A/AAAA record for {host}, or change the check's ipVersion"));
        }
        catch (DnsResponseException) when (cancellationToken.IsCancellationRequested)
        {
            // DnsClient reports the caller's cancellation as a timeout of its own; the deadline is the caller's.
            throw new OperationCanceledException(cancellationToken);
        }
        catch (DnsResponseException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.ConnectionReset })
        {
            return HostLookup.Failed(new Problem(Layers.Probe, FailureCategories.ProbeError,
                $"the resolver {Name} is not reachable: nothing answers on its port",
                $"start the resolver at {Name} or correct the check's resolver; the target itself may be fine"));
        }
        catch (DnsResponseException ex)
        {
            return HostLookup.Failed(new Problem(Layers.Dns, FailureCategories.DnsTimeout,
                $"no answer from {Name} for {host}: {ex.Message}",
                $"check that {Name} is reachable from this node over UDP and TCP"));
        }
    }
}
