using System.Diagnostics;

namespace Sentinel.Testing;

/// <summary>Waits for a condition with a bound: the only way tests wait. Never a fixed sleep.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                last = ex;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}" + (last is null ? "" : $" (last error: {last.Message})"), last);
    }

    /// <summary>Polls a synchronous condition.</summary>
    public static Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitAsync(() => Task.FromResult(condition()), timeout, what);

    /// <summary>Polls until <paramref name="produce"/> returns a value; returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> produce, TimeSpan timeout, string what)
        where T : class
    {
        T? value = null;
        await WaitAsync(async () => (value = await produce()) is not null, timeout, what);
        return value!;
    }
}
