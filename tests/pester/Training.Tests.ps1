BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Learned classifiers through the training worker' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        # A second concept with enough labelled passages: the example concept under another ID.
        $script:Concepts = New-Item -ItemType Directory (Join-Path $TestHome 'concepts')
        Copy-Item (Join-Path $ExampleConcepts 'Q9001.json') $Concepts
        (Get-Content (Join-Path $ExampleConcepts 'Q9001.json') -Raw) -replace 'Q9001', 'Q9002' | Set-Content (Join-Path $Concepts 'Q9002.json')
        $env:KG_CONCEPT_PATH = $Concepts
        $script:Tagger = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -Device Cpu -Seed 3
    }

    It 'trains a span tagger in a worker and stores it' {
        $Tagger.Stored | Should -BeTrue
        $Tagger.ClassifierName | Should -Be 'SpanTaggerClassifier'
        $Tagger.ClassifierType | Should -Be 'SpanTagger'
        $Tagger.Device | Should -Be 'cpu'
        $Tagger.Seed | Should -Be 3
        $Tagger.ThreadCount | Should -BeGreaterThan 0
        $Tagger.Version | Should -Be 'v0'
        $Tagger.SpanF1 | Should -BeGreaterThan 0.3
        $Tagger.EvaluationPassages | Should -BeGreaterThan 0
        $Tagger.TrainingPassages + $Tagger.EvaluationPassages | Should -Be 62
        $stored = Get-KgClassifier Q9001 -Environment sandbox -ClassifierId $Tagger.ClassifierId
        $stored.ClassifierName | Should -Be 'SpanTaggerClassifier'
    }

    It 'does not load TorchSharp into the shell' {
        [AppDomain]::CurrentDomain.GetAssemblies().GetName().Name | Should -Not -Contain 'TorchSharp'
    }

    It 'gives the same classifier ID for the same seed and data, another for another seed' {
        $again = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -Device Cpu -Seed 3 -MaxEpochs 3 -LocalOnly -OutputPath (Join-Path $TestHome 'local')
        $other = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -Device Cpu -Seed 4 -MaxEpochs 3 -LocalOnly -OutputPath (Join-Path $TestHome 'local')
        $again.ClassifierId | Should -Not -Be $other.ClassifierId
        $again.Stored | Should -BeFalse
        (Get-KgClassifier Q9001 -Environment sandbox -AllVersions).Count | Should -Be 1   # -LocalOnly left the store alone
    }

    It 'runs and evaluates the stored span tagger' {
        $stored = Get-KgClassifier Q9001 -Environment sandbox -ClassifierId $Tagger.ClassifierId
        $out = $stored | Invoke-KgClassifier -Text 'Flash floods swept through the valley.', 'Solar panels on every school roof.'
        $out[0].Spans.Count | Should -BeGreaterThan 0
        $out[0].Spans[0].Labellers | Should -Be @('SpanTaggerClassifier("flooding")')
        $out[0].Spans[0].PredictionProbability | Should -BeGreaterThan 0
        $rows = $stored | Test-KgClassifier
        $rows.Level | Should -Be @('Passage', 'Span@0', 'Span@0.5', 'Span@0.9', 'Span@0.99', 'Character')
    }

    It 'promotes a learned classifier like any other' {
        $p = Get-KgClassifier Q9001 -Environment sandbox -ClassifierId $Tagger.ClassifierId | Publish-KgClassifier -AddClassifiersProfile experimental
        $p.ClassifiersProfile | Should -Be 'experimental'
        $specs = New-Item -ItemType Directory (Join-Path $TestHome 'specs/v2') -Force
        Update-KgInferenceSpec sandbox -Path (Split-Path $specs)
        Get-Content (Join-Path $specs 'sandbox.yaml') -Raw | Should -Match "classifier_id: $($Tagger.ClassifierId)"
    }

    It 'trains a passage classifier that labels whole passages' {
        $p = Invoke-KgTraining Q9001 -Environment labs -ClassifierType PassageClassifier -Device Cpu
        $p.ClassifierName | Should -Be 'PassageClassifier'
        ($p.Metrics | Where-Object Level -eq 'Passage').F1 | Should -BeGreaterThan 0.5
        $out = Get-KgClassifier Q9001 -Environment labs | Invoke-KgClassifier -Text 'River flooding destroyed the harvest.'
        $out.Spans.Count | Should -Be 1
        $out.Spans[0].StartIndex | Should -Be 0
        $out.Spans[0].EndIndex | Should -Be 37
    }

    It 'adds -TrainingDataPath passages to what it learns from' {
        $extra = Join-Path $TestHome 'extra.jsonl'
        $texts = 1..5 | ForEach-Object { "Extra passage $_ about river flooding in the delta." }
        $texts | ForEach-Object { @{ text = $_; spans = @(@{ text = $_; start_index = 25; end_index = 39; concept_id = 'Q9001'; labellers = @('x'); timestamps = @() }) } | ConvertTo-Json -Compress -Depth 5 } | Set-Content $extra
        $r = Invoke-KgTraining Q9001 -Environment labs -ClassifierType SpanTagger -Device Cpu -MaxEpochs 2 -TrainingDataPath $extra
        $r.TrainingPassages | Should -Be ($Tagger.TrainingPassages + 5)
    }

    It 'trains several concepts in parallel workers with Deploy-KgClassifier -ThrottleLimit' {
        $specs = New-Item -ItemType Directory (Join-Path $TestHome 'deploy-specs/v2') -Force
        $results = Deploy-KgClassifier Q9001, Q9002 -Environment staging -AddClassifiersProfile primary -ClassifierType SpanTagger -Device Cpu -ThrottleLimit 2 -SpecPath (Split-Path $specs)
        $results.WikibaseId | Should -Be @('Q9001', 'Q9002')
        $results | ForEach-Object { $_.Trained | Should -BeTrue; $_.Promoted | Should -BeTrue }
        @(Select-String -Path (Join-Path $specs 'staging.yaml') -Pattern '^- wikibase_id').Count | Should -Be 2
    }
}

Describe 'Bad input to training' {
    BeforeAll { $script:TestHome = New-KgTestHome }

    It 'refuses -Device Cuda where there is no CUDA, and stores nothing' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -Device Cuda }
        $e.FullyQualifiedErrorId | Should -BeLike 'CudaUnavailable,*'
        $e.Exception.Message | Should -Match '-Device Cpu'
        Get-KgClassifier Q9001 -Environment sandbox -AllVersions | Should -BeNullOrEmpty
    }

    It 'says how many labelled passages are needed' {
        $folder = New-Item -ItemType Directory (Join-Path $TestHome 'few')
        $concept = Get-Content (Join-Path $ExampleConcepts 'Q9001.json') -Raw | ConvertFrom-Json
        $concept.labelled_passages = @($concept.labelled_passages | Select-Object -First 8)
        $concept | ConvertTo-Json -Depth 10 | Set-Content (Join-Path $folder 'Q9001.json')
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -ConceptPath $folder }
        $e.FullyQualifiedErrorId | Should -BeLike 'TooFewPassages,*'
        $e.Exception.Message | Should -Match 'at least 20'
        Get-KgClassifier Q9001 -Environment sandbox -AllVersions | Should -BeNullOrEmpty
    }

    It 'trains a passage classifier for Q787 (2 negative passages): its sentences without spans are negatives' -Skip:(-not $HasSharedData) {
        $p = Invoke-KgTraining Q787 -Environment sandbox -ClassifierType PassageClassifier -Device Cpu -MaxEpochs 2 -CorpusPath @() -ConceptPath (Join-Path $SharedData 'concepts')
        $p.Stored | Should -BeTrue
        $p.TrainingPassages | Should -BeGreaterThan 90
    }

    It 'refuses a passage classifier with nothing to learn "no" from, and points to -CorpusPath' {
        $folder = New-Item -ItemType Directory (Join-Path $TestHome 'positives-only') -Force
        $concept = Get-Content (Join-Path $ExampleConcepts 'Q9001.json') -Raw | ConvertFrom-Json
        $concept.labelled_passages = @($concept.labelled_passages | Where-Object { $_.spans.Count -gt 0 -and $_.text -notmatch '[.;!?]\s+\S' })
        $concept | ConvertTo-Json -Depth 10 | Set-Content (Join-Path $folder 'Q9001.json')
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType PassageClassifier -ConceptPath $folder -CorpusPath @() }
        $e.FullyQualifiedErrorId | Should -BeLike 'NoNegativePassages,*'
        $e.Exception.Message | Should -Match '-CorpusPath'
    }

    It 'rejects an unknown classifier type, naming the valid ones' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType Transformer }
        $e.Exception.Message | Should -Match 'Keyword.*SpanTagger.*PassageClassifier'
    }

    It 'turns a crashing worker into a clear error, and stores nothing' {
        $r = Invoke-KgChild -Environment ((Get-KgChildEnvironment) + @{ KG_WORKER_PATH = '/bin/false' }) -Script @'
Import-Module $env:KG_TEST_MODULE
try { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
@(Get-KgClassifier Q9001 -Environment sandbox -AllVersions).Count
'@
        $lines = $r.Output.Trim() -split "`n"
        $lines[0] | Should -BeLike 'WorkerFailed,*'
        $r.Output | Should -Match 'Nothing was stored'
        $lines[-1].Trim() | Should -Be '0'
    }

    It 'reports a stored learned model whose weights were tampered with' {
        $t = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -Device Cpu -MaxEpochs 2
        $store = (Get-KgEnvironment sandbox).Store
        $manifest = Get-Content (Join-Path $store "models/Q9001/$($t.ClassifierId)/v0/manifest.json") -Raw | ConvertFrom-Json
        $sha = ($manifest.files | Where-Object name -eq 'model.weights').sha256
        $blob = Join-Path $store "blobs/sha256/$($sha.Substring(0, 2))/$sha"
        $bytes = [IO.File]::ReadAllBytes($blob); $bytes[-5] = $bytes[-5] -bxor 0xFF; [IO.File]::WriteAllBytes($blob, $bytes)
        $e = Get-KgError { Get-KgClassifier Q9001 -Environment sandbox -ClassifierId $t.ClassifierId | Invoke-KgClassifier -Text 'floods' }
        $e.FullyQualifiedErrorId | Should -BeLike 'ChecksumMismatch,*'
    }
}
