using KnowledgeGraph.Benchmarks;

return args.FirstOrDefault() switch
{
    "keyword" => KeywordThroughput.Run(args[1..]),
    "populate" => await Populate.RunAsync(args[1..]),
    "q787" => await Q787Benchmark.RunAsync(args[1..]),
    "passages" => await PassageBenchmark.RunAsync(args[1..]),
    "throughput" => InferenceThroughput.Run(args[1..]),
    "realtext" => await RealTextBenchmark.RunAsync(args[1..]),
    "corpus-cost" => CorpusCost.Run(args[1..]),
    "small" => await SmallDataBenchmark.RunAsync(args[1..]),
    "inference-data" => InferenceBenchmark.Data(args[1..]),
    "inference-matching" => InferenceBenchmark.Matching(args[1..]),
    "inference-files" => InferenceBenchmark.Files(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: KnowledgeGraph.Benchmarks keyword --data <shared data folder> [--runs N] [--repeat N] [--warmup N]");
    Console.Error.WriteLine("       KnowledgeGraph.Benchmarks q787 --data <shared data folder> --worker <worker> [--seeds 42,43,44] [--corpus a,b]");
    Console.Error.WriteLine("       KnowledgeGraph.Benchmarks passages --data <shared data folder> --worker <worker> [--types PassageClassifier,TransformerClassifier]");
    Console.Error.WriteLine("       KnowledgeGraph.Benchmarks throughput --data <shared data folder> --worker <worker> [--runs N]");
    Console.Error.WriteLine("       KnowledgeGraph.Benchmarks realtext --data <shared data folder> --worker <worker> [--types SpanTagger,PassageClassifier] [--seeds 42] [--sweep true] [--settings JSON]");
    Console.Error.WriteLine("       KnowledgeGraph.Benchmarks small --data <shared data folder> --worker <worker> [--seeds 1,2,3]");
    Console.Error.WriteLine("       KnowledgeGraph.Benchmarks corpus-cost --data <shared data folder> [--mode time|big] [--gigabytes 1]");
    Console.Error.WriteLine("       KnowledgeGraph.Benchmarks inference-data --data <shared data folder> --out <folder> [--copies N]");
    Console.Error.WriteLine("       KnowledgeGraph.Benchmarks inference-matching --concepts <folder> --documents <folder> [--runs N]");
    Console.Error.WriteLine("       KnowledgeGraph.Benchmarks inference-files --from <output folder> --to <folder> [--runs N]");
    Console.Error.WriteLine("       KnowledgeGraph.Benchmarks populate --store <folder or s3://bucket/prefix> [--endpoint URL --profile NAME] [--count N] [--environment NAME]");
    return 2;
}
