using KnowledgeGraph.Inference;
using KnowledgeGraph.Storage;
using Xunit;

namespace KnowledgeGraph.Tests;

public sealed class PosixFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kg-posix-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Writes_a_new_file_refuses_an_existing_one_and_renames_over_a_target()
    {
        Assert.SkipUnless(PosixFiles.Supported, "Linux only");
        var temp = Path.Combine(_folder, "a.tmp");
        var target = Path.Combine(_folder, "a.json");
        File.WriteAllText(target, "old");
        var data = Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251)).ToArray();   // more than one write may take
        PosixFiles.WriteNew(temp, data);
        Assert.Equal(data, File.ReadAllBytes(temp));
        Assert.Throws<IOException>(() => PosixFiles.WriteNew(temp, data));   // O_EXCL: never over an existing file
        PosixFiles.Rename(temp, target);
        Assert.Equal(data, File.ReadAllBytes(target));
        Assert.False(File.Exists(temp));
        Assert.Throws<IOException>(() => PosixFiles.WriteNew(Path.Combine(_folder, "missing", "b.tmp"), data));
    }

    [Fact]
    public void Gathers_more_segments_than_one_writev_takes_including_empty_ones_and_slices()
    {
        Assert.SkipUnless(PosixFiles.Supported, "Linux only");
        var source = Enumerable.Range(0, 5000).Select(i => (byte)(i % 249)).ToArray();
        var segments = Enumerable.Range(0, 2500)
            .Select(i => i % 7 == 0 ? ReadOnlyMemory<byte>.Empty : source.AsMemory(i, i % 5 + 1))
            .ToArray();
        var path = Path.Combine(_folder, "gathered.json");
        PosixFiles.WriteNew(path, segments);
        Assert.Equal(segments.SelectMany(s => s.ToArray()).ToArray(), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task The_output_folder_replaces_files_and_leaves_no_temporary_file()
    {
        var output = new FolderInferenceOutput(_folder);
        await output.WriteAsync("labelled_passages/Q1/abcd2345/doc.json", "first"u8.ToArray(), CancellationToken.None);
        await output.WriteAsync("labelled_passages/Q1/abcd2345/doc.json", "second"u8.ToArray(), CancellationToken.None);
        await output.FlushAsync(CancellationToken.None);
        Assert.Equal("second"u8.ToArray(), await output.ReadAsync("labelled_passages/Q1/abcd2345/doc.json", CancellationToken.None));
        Assert.Equal(["labelled_passages/Q1/abcd2345/doc.json"], Directory.EnumerateFiles(_folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_folder, f).Replace('\\', '/')));
    }

    [Fact]
    public async Task A_failed_write_is_reported_by_the_next_flush_and_stops_the_writes_after_it()
    {
        File.WriteAllText(Path.Combine(_folder, "labelled_passages"), "a file where a folder must be");
        var output = new FolderInferenceOutput(_folder);
        await output.WriteAsync("aggregated/first.json", "1"u8.ToArray(), CancellationToken.None);
        await output.WriteAsync("labelled_passages/Q1/abcd2345/doc.json", "2"u8.ToArray(), CancellationToken.None);
        await output.WriteAsync("aggregated/after.json", "3"u8.ToArray(), CancellationToken.None);
        var error = await Assert.ThrowsAsync<KgException>(() => output.FlushAsync(CancellationToken.None));
        Assert.Equal("ResultWriteFailed", error.ErrorId);
        Assert.Contains("labelled_passages/Q1/abcd2345/doc.json", error.Message);
        Assert.True(File.Exists(Path.Combine(_folder, "aggregated", "first.json")));
        Assert.False(File.Exists(Path.Combine(_folder, "aggregated", "after.json")));
    }

    [Fact]
    public async Task An_unexpected_failure_is_reported_by_the_flush_leaves_no_temporary_file_and_stops_no_writer()
    {
        var output = new FolderInferenceOutput(_folder);
        // Memory not backed by an array cannot be gathered: not an I/O error, but it must not stop the writer.
        await output.WriteAsync("aggregated/odd.json", [new NativeMemory(16).Memory], CancellationToken.None);
        // A writer stopped by the failure would never reach the flush's marker: time out rather than hang.
        var error = await Assert.ThrowsAsync<KgException>(() => output.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal("ResultWriteFailed", error.ErrorId);
        Assert.Contains("aggregated/odd.json", error.Message);
        for (var i = 0; i < 100; i++)
        {
            await output.WriteAsync($"aggregated/d{i}.json", "x"u8.ToArray(), CancellationToken.None);   // more than the queue holds
        }
        await Assert.ThrowsAsync<KgException>(() => output.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));   // returns: no writer stopped
        Assert.Empty(Directory.EnumerateFiles(_folder, "*.kgtmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_flush_after_its_run_was_cancelled_does_not_report_success()
    {
        var output = new FolderInferenceOutput(_folder, writeDelay: TimeSpan.FromMilliseconds(50));
        using var cancel = new CancellationTokenSource();
        for (var i = 0; i < 10; i++)
        {
            await output.WriteAsync($"aggregated/d{i}.json", "x"u8.ToArray(), cancel.Token);
        }
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => output.FlushAsync(cancel.Token));
        await output.FlushAsync(CancellationToken.None);   // the writer drained what was queued, skipping the cancelled writes
        Assert.True(Directory.EnumerateFiles(_folder, "*.json", SearchOption.AllDirectories).Count() < 10);
    }

    /// <summary>Memory that does not say it is an array's (a MemoryManager's TryGetArray is false unless overridden).</summary>
    private sealed class NativeMemory(int length) : System.Buffers.MemoryManager<byte>
    {
        private readonly byte[] _bytes = new byte[length];

        public override Span<byte> GetSpan() => _bytes;
        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => default;
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Many_queued_writes_are_all_done_by_the_flush_in_order(int writers)
    {
        var output = new FolderInferenceOutput(_folder, writers: writers);
        var writes = Enumerable.Range(0, 1000).Select(i => output.WriteAsync($"aggregated/d{i % 10}.json", BitConverter.GetBytes(i), CancellationToken.None).AsTask());
        foreach (var w in writes)
        {
            await w;   // four times what the queue holds
        }
        await output.FlushAsync(CancellationToken.None);
        for (var d = 0; d < 10; d++)
        {
            Assert.Equal(990 + d, BitConverter.ToInt32(File.ReadAllBytes(Path.Combine(_folder, "aggregated", $"d{d}.json"))));
        }
        Assert.Empty(Directory.EnumerateFiles(_folder, "*.kgtmp", SearchOption.AllDirectories));
    }
}
