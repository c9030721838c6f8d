using Sentinel.Bench;

// dotnet run -c Release --project bench/Sentinel.Bench -- http-accuracy [--pairs 40]
// dotnet run -c Release --project bench/Sentinel.Bench -- serve [--port 8443] [--dir DIR]
return args.FirstOrDefault() switch
{
    "serve" => await AccuracyServer.ServeAsync(args[1..]),
    "http-accuracy" or null => await HttpAccuracy.RunAsync(args.Skip(1).ToArray()),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Sentinel.Bench http-accuracy [--pairs N] [--first-byte-ms 50] [--body-ms 30] | serve [--port P] [--dir DIR]");
    return 2;
}
