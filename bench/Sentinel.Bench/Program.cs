using Sentinel.Bench;

// dotnet run -c Release --project bench/Sentinel.Bench -- http-accuracy [--pairs 40]
// dotnet run -c Release --project bench/Sentinel.Bench -- tls-parity [--pairs 200]
// dotnet run -c Release --project bench/Sentinel.Bench -- dns-accuracy [--pairs 40] [--server IP:PORT --name NAME]
// dotnet run -c Release --project bench/Sentinel.Bench -- cli-vs-curl [--runs 30] [--sentinel PATH] [--cpu N]
// dotnet run -c Release --project bench/Sentinel.Bench -- path-vs-mtr [--cycles 100] [--sentinel PATH]   (root: builds a namespace lab)
// dotnet run -c Release --project bench/Sentinel.Bench -- metrics-scale [--checks 10000] [--scrapes 10]   (root: icmp and path checks)
// dotnet run -c Release --project bench/Sentinel.Bench -- result-writes [--results 300000] [--replay 100000] [--batch 1000] [--checks 1000] [--kind https|tcp] [--no-fsync]
// dotnet run -c Release --project bench/Sentinel.Bench -- api-load [--checks 10000] [--rounds 200]
// dotnet run -c Release --project bench/Sentinel.Bench -- serve [--port 8443] [--dir DIR] | serve-dns
return args.FirstOrDefault() switch
{
    "serve" => await AccuracyServer.ServeAsync(args[1..]),
    "serve-dns" => await AccuracyServer.ServeDnsAsync(),
    "tls-parity" => await TlsParity.RunAsync(args[1..]),
    "dns-accuracy" => await DnsAccuracy.RunAsync(args[1..]),
    "path-vs-mtr" => await PathVsMtr.RunAsync(args[1..]),
    "cli-vs-curl" => await CliVsCurl.RunAsync(args[1..]),
    "metrics-scale" => await MetricsScale.RunAsync(args[1..]),
    "result-writes" => await ResultWrites.RunAsync(args[1..]),
    "api-load" => await ApiLoad.RunAsync(args[1..]),
    "http-accuracy" or null => await HttpAccuracy.RunAsync(args.Skip(1).ToArray()),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Sentinel.Bench http-accuracy [--pairs N] [--first-byte-ms 50] [--body-ms 30] | tls-parity [--pairs N] | dns-accuracy [--pairs N] [--server IP:PORT --name NAME] | path-vs-mtr [--cycles N] [--sentinel PATH] | cli-vs-curl [--runs N] [--sentinel PATH] [--cpu N] | metrics-scale [--checks N] [--scrapes N] | result-writes [--results N] [--replay N] [--batch N] [--checks N] [--kind https|tcp] [--no-fsync] | api-load [--checks N] [--rounds N] | serve [--port P] [--dir DIR] | serve-dns");
    return 2;
}
