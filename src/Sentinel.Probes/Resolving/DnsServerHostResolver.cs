using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Resolving;

/// <summary>
/// Resolves through one named DNS server (a check's <c>resolver</c>) with the dns probe's exchange
/// (<see cref="DnsExchange"/>), so that the rcode is known exactly: NXDOMAIN, SERVFAIL, REFUSED, the other rcodes
/// (<c>dns_rcode</c>) and an empty answer are told apart, unlike with getaddrinfo; a truncated UDP answer is asked
/// again over TCP; and a fault of the server (refused, unreachable, a malformed answer) has the category and the
/// words a dns check asking the same server gets. A deadline hit is the caller's to word, as for the system resolver.
/// With <see cref="IpVersion.Any"/>, A and AAAA are asked together and IPv4 addresses come first.
/// </summary>
internal sealed class DnsServerHostResolver : IHostResolver
{
    /// <summary>
    /// How a resolver is asked: over UDP with TCP fallback, recursion desired, offering a 4096-byte EDNS0 buffer (the
    /// size the resolver has always offered, DnsClient's default); a check cannot change these.
    /// </summary>
    private static readonly DnsAsking Asking = new(Recursion: true, EdnsBufferSize: 4096, CheckSetsEdns: false);

    private readonly DnsServer _server;
    private readonly IPEndPoint _endPoint;
    private readonly TimeProvider _time;

    /// <param name="server">The check's <c>resolver</c>: an IP address with an optional port (default 53).</param>
    /// <param name="time">Times each exchange; default the system's clock.</param>
    public DnsServerHostResolver(string server, TimeProvider? time = null)
    {
        if (!ResolverAddress.TryParse(server, out var endpoint, out var error))
        {
            throw new ArgumentException(error, nameof(server));
        }

        _server = DnsServer.At(endpoint) with { Name = server };
        _endPoint = endpoint;
        _time = time ?? TimeProvider.System;
    }

    public string Name => _server.Name;

    public async ValueTask<HostLookup> ResolveAsync(string host, IpVersion version, CancellationToken cancellationToken)
    {
        var queries = version switch
        {
            IpVersion.V4 => [QueryType.A],
            IpVersion.V6 => [QueryType.AAAA],
            _ => new[] { QueryType.A, QueryType.AAAA },
        };

        // The deadline is the caller's (the check's), which words it: DnsDeadline's is never shown here.
        var replies = await Task.WhenAll(queries.Select(type =>
            DnsExchange.AskAsync(_server, _endPoint, DnsQuery.ForHost(host, type), Asking, default, _time, cancellationToken))).ConfigureAwait(false);
        if (replies.Select(r => r.Failure).FirstOrDefault(f => f is not null) is { } failure)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return HostLookup.Failed(failure);
        }

        var addresses = new List<IPAddress>();
        foreach (var (response, type) in replies.Select(r => r.Response!).Zip(queries))
        {
            var rcode = response.Header.ResponseCode;
            if (rcode == DnsHeaderResponseCode.NoError)
            {
                addresses.AddRange(response.Answers.OfType<AddressRecord>().Select(r => r.Address));
                continue;
            }

            // The dns probe's categories and hints: one rcode means the same whichever check asked.
            return HostLookup.Failed(new Problem(Layers.Dns, DnsRcodes.Category(rcode), rcode switch
            {
                DnsHeaderResponseCode.NotExistentDomain => $"{host} does not exist: {Name} answered NXDOMAIN",
                DnsHeaderResponseCode.ServerFailure => $"{Name} answered SERVFAIL for {host}",
                DnsHeaderResponseCode.Refused => $"{Name} refused to resolve {host} (REFUSED)",
                _ => $"{Name} answered {DnsVocabulary.Name(rcode)} for {host} {DnsVocabulary.Name(type)}",
            }, DnsRcodes.Hint(rcode, Name, host, Asking)));
        }

        return addresses.Count > 0
            ? HostLookup.Of(addresses)
            : HostLookup.Failed(new Problem(Layers.Dns, FailureCategories.DnsNoAddress,
                $"{host} has no {SystemHostResolver.Family(version)} address at {Name}",
                $"publish the A/AAAA record for {host}, or change the check's ipVersion"));
    }
}
