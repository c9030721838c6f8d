using Sentinel.Worker.Cli;

return await SentinelCli.InvokeAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
