BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # The stored objects under $Prefix of sandbox's store: key → last-modified stamp. (Temporary files of an embedded
    # store's writes, *.kgtmp, are not objects: readers never see them.)
    function Get-StoredObjects([string] $Prefix) {
        $found = [ordered]@{}
        if ($Kind -eq 'Local') {
            $root = (Get-KgEnvironment sandbox).Store
            $folder = Join-Path $root $Prefix
            if (Test-Path $folder) {
                foreach ($f in Get-ChildItem $folder -Recurse -File | Where-Object Name -NotLike '*.kgtmp' | Sort-Object FullName) {
                    $found[[IO.Path]::GetRelativePath($root, $f.FullName).Replace('\', '/')] = $f.LastWriteTimeUtc.Ticks
                }
            }
            return $found
        }
        $r = Invoke-TestS3Request -Method Get -Path "/$Bucket" -Query @{ 'list-type' = '2'; prefix = "sandbox/$Prefix" }
        $r.StatusCode | Should -Be 200
        $xml = [xml]$r.Content
        foreach ($c in @($xml.ListBucketResult.Contents)) {
            if ($c) { $found[$c.Key.Substring('sandbox/'.Length)] = $c.LastModified }
        }
        return $found
    }

    function Get-StoredText([string] $Key) {
        if ($Kind -eq 'Local') { return [IO.File]::ReadAllText((Join-Path (Get-KgEnvironment sandbox).Store $Key)) }
        $r = Invoke-TestS3Request -Method Get -Path "/$Bucket/sandbox/$Key"
        $r.StatusCode | Should -Be 200
        return [Text.Encoding]::UTF8.GetString($r.RawContentStream.ToArray())
    }

    function Remove-StoredObject([string] $Key) {
        if ($Kind -eq 'Local') { Remove-Item (Join-Path (Get-KgEnvironment sandbox).Store $Key) }
        else { (Invoke-TestS3Request -Method Delete -Path "/$Bucket/sandbox/$Key").StatusCode | Should -Be 204 }
    }

    # Every stored result file must be complete: labelled passages parse as JSONL of 20 passages, aggregates as JSON.
    function Assert-NoHalfWrittenFile {
        foreach ($key in (Get-StoredObjects 'labelled_passages/').Keys) {
            $key | Should -Match '\.json$'
            $lines = @((Get-StoredText $key).TrimEnd("`n") -split "`n")
            $lines.Count | Should -Be 20 -Because "$key holds one passage per text block"
            $lines | ForEach-Object { $_ | ConvertFrom-Json | Out-Null }
        }
        foreach ($key in (Get-StoredObjects 'aggregated/').Keys) {
            $key | Should -Match '\.json$'
            (Get-StoredText $key | ConvertFrom-Json).schema | Should -Be 'kgtools.aggregated-document/1'
        }
    }

    # A folder with copies of the three parser-output documents under new IDs (same sources).
    function New-DocumentCopies([string] $Name, [int] $Copies = 1) {
        $folder = New-Item -ItemType Directory (Join-Path $TestHome $Name)
        foreach ($i in 1..$Copies) {
            foreach ($f in Get-ChildItem $Documents -Filter *.json) {
                $source = ($f.Name -split '\.')[0]
                Copy-Item $f.FullName (Join-Path $folder "$source.$Name.$i.json")
            }
        }
        return $folder.FullName
    }
}

# Three keyword classifiers (Q701 everywhere; Q702 with dont_run_on: [sabin]; Q703 requiring a GPU) over the original's
# three parser-output documents (CPR, GEF, Sabin), on the embedded store and on S3.
Describe 'Inference on the <Kind> store' -ForEach $StoreKinds {
    BeforeAll {
        if (-not $Available -or -not $HasSharedData) { return }
        $script:TestHome = Initialize-KgTestStore $Kind
        $script:Bucket = if ($Kind -eq 'S3') { ((Get-KgEnvironment sandbox).Store -replace '^s3://', '') -split '/' | Select-Object -First 1 } else { $null }
        $script:Documents = Join-Path $SharedData 'documents/parser-output'
        $concepts = New-Item -ItemType Directory (Join-Path $TestHome 'concepts')
        '{"preferred_label": "ministry", "alternative_labels": ["government"], "wikibase_id": "Q701"}' | Set-Content (Join-Path $concepts 'Q701.json')
        '{"preferred_label": "natural resources", "alternative_labels": ["environment"], "wikibase_id": "Q702"}' | Set-Content (Join-Path $concepts 'Q702.json')
        '{"preferred_label": "climate", "wikibase_id": "Q703"}' | Set-Content (Join-Path $concepts 'Q703.json')
        '{"preferred_label": "national", "wikibase_id": "Q704"}' | Set-Content (Join-Path $concepts 'Q704.json')
        $script:ConceptPath = $concepts.FullName
        $trained = 'Q701', 'Q702', 'Q703' | Invoke-KgTraining -Environment sandbox -ConceptPath $concepts -NoEvaluate
        $trained | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
        $script:Cid = @{}
        $trained | ForEach-Object { $Cid[$_.WikibaseId] = $_.ClassifierId }
        Set-KgClassifierMetadata Q702 -ClassifierId $Cid.Q702 -Environment sandbox -AddDontRunOn sabin
        Set-KgClassifierMetadata Q703 -ClassifierId $Cid.Q703 -Environment sandbox -RequireGpu
        $script:SpecFolder = Join-Path $TestHome 'classifier_specs'
        New-Item -ItemType Directory (Join-Path $SpecFolder 'v2') | Out-Null
        Update-KgInferenceSpec sandbox -Path $SpecFolder
        $script:Ids = 'CPR.document.0.1', 'GEF.document.0.1', 'Sabin.document.16944.17490'
    }

    It 'runs the spec over the three documents: the Sabin one skipped for one classifier only, the GPU one not run' -Skip:(-not $Available -or -not $HasSharedData) {
        $rows = Invoke-KgInference -Environment sandbox -DocumentPath $Documents -SpecPath $SpecFolder -Verbose -WarningVariable warnings 4>&1 |
            Tee-Object -Variable all | Where-Object { $_ -is [KnowledgeGraph.Inference.InferenceClassifierRun] }
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

        $rows.WikibaseId | Should -Be @('Q701', 'Q702', 'Q703')
        $rows.Status | Should -Be @('Ran', 'Ran', 'NotRun')
        $rows.Documents | Should -Be @(3, 2, 0)
        $rows.Skipped | Should -Be @(0, 1, 0)
        $rows.Passages | Should -Be @(60, 40, 0)
        $rows[2].Reason | Should -Match 'GPU.*-AllowCpu'
        @($warnings | Where-Object { "$_" -match "Q703/$($Cid.Q703) v0 is not run" }).Count | Should -Be 1
        @($verbose | Where-Object { $_ -match "^Skipped Sabin\.document\.16944\.17490 for Q702/$($Cid.Q702) v0: its source 'sabin' is in dont_run_on" }).Count | Should -Be 1
        @($verbose | Where-Object { $_ -match '^Skipped ' }).Count | Should -Be 1

        $expected = @(foreach ($id in $Ids) { "labelled_passages/Q701/$($Cid.Q701)/$id.json" }) +
            @(foreach ($id in $Ids[0..1]) { "labelled_passages/Q702/$($Cid.Q702)/$id.json" })
        @((Get-StoredObjects 'labelled_passages/').Keys) | Should -Be ($expected | Sort-Object)
        @((Get-StoredObjects 'aggregated/').Keys) | Should -Be @($Ids | ForEach-Object { "aggregated/$_.json" })

        # The original's format: one passage per text block, the concept only on passages with spans.
        $passages = (Get-StoredText "labelled_passages/Q701/$($Cid.Q701)/Sabin.document.16944.17490.json").TrimEnd("`n") -split "`n" | ConvertFrom-Json
        $passages.Count | Should -Be 20
        $passages[0].id | Should -Be 'p_0_b_0'
        $passages[0].spans.labelled_text | Should -Be 'Ministry'
        $passages[0].metadata.concept.wikibase_id | Should -Be 'Q701'
        @($passages | Where-Object { $_.spans.Count -eq 0 -and $_.metadata.PSObject.Properties.Count -gt 0 }) | Should -BeNullOrEmpty

        $byConcept = Get-KgInferenceResult sandbox | Group-Object WikibaseId
        $byConcept.Name | Should -Be @('Q701', 'Q702')
        (Get-KgInferenceResult sandbox -DocumentId 'sabin*').WikibaseId | Sort-Object -Unique | Should -Be 'Q701'
        (Get-KgInferenceResult sandbox -DocumentId 'CPR.document.0.1' -WikibaseId Q702).LabelledText | Should -Contain 'Natural Resources'
    }

    It 'does nothing on a rerun, and rewrites everything with -Force' -Skip:(-not $Available -or -not $HasSharedData) {
        $before = Get-StoredObjects ''
        Start-Sleep -Milliseconds 1100   # S3 last-modified stamps have a resolution of a second
        $rows = Invoke-KgInference -Environment sandbox -DocumentPath $Documents -SpecPath $SpecFolder -WarningAction SilentlyContinue
        $rows.Status | Should -Be @('UpToDate', 'UpToDate', 'NotRun')
        $rows.UpToDate | Should -Be @(3, 2, 0)
        $rows.Documents | Should -Be @(0, 0, 0)
        $after = Get-StoredObjects ''
        @($after.Keys) | Should -Be @($before.Keys)
        foreach ($k in $before.Keys) { $after[$k] | Should -Be $before[$k] -Because "$k must not be written again" }

        $forced = Invoke-KgInference -Environment sandbox -DocumentPath $Documents -SpecPath $SpecFolder -Force -WarningAction SilentlyContinue
        $forced.Documents | Should -Be @(3, 2, 0)
        $rewritten = Get-StoredObjects ''
        foreach ($k in @($before.Keys | Where-Object { $_ -match '^(labelled_passages|aggregated)/' })) {
            $rewritten[$k] | Should -Not -Be $before[$k] -Because "$k is rewritten with -Force"
        }
    }

    It 'runs the GPU classifier on the CPU with -AllowCpu, and only it' -Skip:(-not $Available -or -not $HasSharedData) {
        $rows = Invoke-KgInference -Environment sandbox -DocumentPath $Documents -SpecPath $SpecFolder -AllowCpu
        $rows.Status | Should -Be @('UpToDate', 'UpToDate', 'Ran')
        $rows[2].Documents | Should -Be 3
        $rows[2].Device | Should -Be 'process'
        @((Get-StoredObjects "labelled_passages/Q703/").Keys).Count | Should -Be 3
    }

    It 'reports a spec entry whose model version is missing, and runs the others' -Skip:(-not $Available -or -not $HasSharedData) {
        $t = Invoke-KgTraining Q704 -Environment sandbox -ConceptPath $ConceptPath -NoEvaluate
        $t | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
        $specs = Join-Path $TestHome 'specs-missing'
        New-Item -ItemType Directory (Join-Path $specs 'v2') | Out-Null
        Update-KgInferenceSpec sandbox -Path $specs
        Remove-StoredObject "models/Q704/$($t.ClassifierId)/$($t.Version)/manifest.json"

        $out = Join-Path $TestHome 'out-missing'
        $rows = Invoke-KgInference -Environment sandbox -DocumentPath $Documents -SpecPath $specs -OutputPath $out -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ModelVersionNotFound,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($errors[0])" | Should -Match "Q704:$($t.ClassifierId):v0.*model version v0.*missing"
        $rows.WikibaseId | Should -Be @('Q701', 'Q702', 'Q703')
        $rows.Documents | Should -Be @(3, 2, 0)
        Test-Path (Join-Path $out 'labelled_passages/Q704') | Should -BeFalse
    }

    It 'reports a document that is not JSON, and does the others' -Skip:(-not $Available -or -not $HasSharedData) {
        $folder = New-DocumentCopies 'broken'
        'this is not JSON' | Set-Content (Join-Path $folder 'CPR.broken.json')
        $rows = Invoke-KgInference -Environment sandbox -DocumentPath $folder -SpecPath $SpecFolder -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidDocument,*'
        "$($errors[0])" | Should -Match ([regex]::Escape((Join-Path $folder 'CPR.broken.json')))
        $rows.Documents | Should -Be @(3, 2, 0)
        (Get-StoredObjects 'aggregated/').Keys | Should -Not -Contain 'aggregated/CPR.broken.json'
    }

    It 'leaves no half-written file when killed mid-run, and the rerun completes' -Skip:(-not $Available -or -not $HasSharedData) {
        $folder = New-DocumentCopies 'killed' -Copies 2
        $envVars = Get-KgChildEnvironment
        $envVars['KG_TEST_WRITE_DELAY_MS'] = if ($Kind -eq 'S3') { '4000' } else { '600' }   # S3 writes run in parallel: each waits 4 s
        $psi = [System.Diagnostics.ProcessStartInfo]::new($Pwsh)
        $command = "Import-Module `$env:KG_TEST_MODULE; Invoke-KgInference -Environment sandbox -DocumentPath '$folder' -SpecPath '$SpecFolder'"
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $command) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['KG_TEST_MODULE'] = $ModuleManifest
        foreach ($k in $envVars.Keys) { $psi.Environment[$k] = $envVars[$k] }
        $child = [System.Diagnostics.Process]::Start($psi)
        $null = $child.StandardError.ReadToEndAsync()
        $null = $child.StandardOutput.ReadToEndAsync()
        # Kill it once its first labelled-passages file of these documents is stored, long before it records them.
        $deadline = [datetime]::UtcNow.AddSeconds(60)
        while (-not $child.HasExited -and [datetime]::UtcNow -lt $deadline -and
            @((Get-StoredObjects 'labelled_passages/').Keys | Where-Object { $_ -like '*.killed.*' }).Count -eq 0) {
            Start-Sleep -Milliseconds 100
        }
        $child.HasExited | Should -BeFalse -Because 'the run should still be writing'
        $child.Kill()   # SIGKILL, as kill -9
        $child.WaitForExit()
        $child.ExitCode | Should -Be 137
        @((Get-StoredObjects 'labelled_passages/').Keys | Where-Object { $_ -like '*.killed.*' }).Count | Should -BeGreaterThan 0
        @((Get-StoredObjects 'aggregated/').Keys | Where-Object { $_ -like '*.killed.*' }).Count | Should -BeLessThan 6
        Assert-NoHalfWrittenFile

        $rows = Invoke-KgInference -Environment sandbox -DocumentPath $folder -SpecPath $SpecFolder -WarningAction SilentlyContinue
        ($rows[0].Documents + $rows[0].UpToDate) | Should -Be 6
        ($rows[1].Documents + $rows[1].UpToDate) | Should -Be 4
        @((Get-StoredObjects 'aggregated/').Keys | Where-Object { $_ -like '*.killed.*' }).Count | Should -Be 6
        @((Get-StoredObjects 'labelled_passages/').Keys | Where-Object { $_ -like '*.killed.*' }).Count | Should -Be 10
        Assert-NoHalfWrittenFile
        (Invoke-KgInference -Environment sandbox -DocumentPath $folder -SpecPath $SpecFolder -WarningAction SilentlyContinue).Documents | Should -Be @(0, 0, 0)
    }

    It 'splits documents between chunk processes whose results meet in the store' -Skip:(-not $Available -or -not $HasSharedData) {
        $folder = New-DocumentCopies 'chunks' -Copies 4
        $scripts = 0, 1 | ForEach-Object {
            "Invoke-KgInference -Environment sandbox -DocumentPath '$folder' -SpecPath '$SpecFolder' -ChunkIndex $_ -ChunkCount 2 -WarningAction SilentlyContinue | ForEach-Object { `$_.Documents }"
        }
        $runs = Invoke-KgChildrenAtOnce -Scripts $scripts -Environment (Get-KgChildEnvironment)
        $runs | ForEach-Object { $_.Error | Should -BeNullOrEmpty; $_.ExitCode | Should -Be 0 }
        $q701 = $runs | ForEach-Object { [int](($_.Output.Trim() -split '\s+')[0]) }
        ($q701 | Measure-Object -Sum).Sum | Should -Be 12
        $q701 | ForEach-Object { $_ | Should -BeGreaterThan 0 }
        @((Get-StoredObjects 'aggregated/').Keys | Where-Object { $_ -like '*.chunks.*' }).Count | Should -Be 12
        (Invoke-KgInference -Environment sandbox -DocumentPath $folder -SpecPath $SpecFolder -WarningAction SilentlyContinue).Documents | Should -Be @(0, 0, 0)
    }

    It 'writes nothing with -WhatIf' -Skip:(-not $Available -or -not $HasSharedData) {
        $folder = New-DocumentCopies 'whatif'
        Invoke-KgInference -Environment sandbox -DocumentPath $folder -SpecPath $SpecFolder -WhatIf | Should -BeNullOrEmpty
        @((Get-StoredObjects '').Keys | Where-Object { $_ -like '*.whatif.*' }) | Should -BeNullOrEmpty
    }
}

Describe 'Inference with learned classifiers' {
    BeforeAll {
        if (-not $HasSharedData) { return }
        $script:TestHome = New-KgTestHome
        $script:Documents = Join-Path $SharedData 'documents/parser-output'
        $tagger = Invoke-KgTraining Q9001 -Environment labs -ClassifierType SpanTagger -Device Cpu -MaxEpochs 2
        $tagger | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
        $passages = Invoke-KgTraining Q9001 -Environment labs -ClassifierType PassageClassifier -Device Cpu -MaxEpochs 2
        $passages | Publish-KgClassifier -AddClassifiersProfile experimental | Out-Null
        $script:SpecFolder = Join-Path $TestHome 'classifier_specs'
        New-Item -ItemType Directory (Join-Path $SpecFolder 'v2') | Out-Null
        Update-KgInferenceSpec labs -Path $SpecFolder
    }

    It 'runs each learned model in a worker process, two at a time, and stops the workers afterwards' -Skip:(-not $HasSharedData) {
        $rows = Invoke-KgInference -Environment labs -DocumentPath $Documents -SpecPath $SpecFolder -ThrottleLimit 2
        $rows.ClassifierName | Sort-Object | Should -Be @('PassageClassifier', 'SpanTaggerClassifier')
        $rows.Status | Should -Be @('Ran', 'Ran')
        $rows.Device | Should -Be @('cpu', 'cpu')
        $rows.Passages | Should -Be @(60, 60)
        @(Get-Process | Where-Object { $_.Path -like '*KnowledgeGraph.Worker*' -and $_.Parent.Id -eq $PID }) | Should -BeNullOrEmpty
        $aggregated = Get-Content (Join-Path (Get-KgEnvironment labs).Store 'aggregated/GEF.document.0.1.json') -Raw | ConvertFrom-Json
        $aggregated.classifiers.classifier_name | Sort-Object | Should -Be @('PassageClassifier', 'SpanTaggerClassifier')
        (Invoke-KgInference -Environment labs -DocumentPath $Documents -SpecPath $SpecFolder).Status | Should -Be @('UpToDate', 'UpToDate')
    }
}

Describe 'Invoke-KgInference input errors' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:SpecFolder = Join-Path $TestHome 'classifier_specs'
        New-Item -ItemType Directory (Join-Path $SpecFolder 'v2') | Out-Null
        '--- []' | Set-Content (Join-Path $SpecFolder 'v2/sandbox.yaml')
    }

    It 'refuses a document path that does not exist, and writes nothing' {
        $e = Get-KgError { Invoke-KgInference -Environment sandbox -DocumentPath (Join-Path $TestHome 'nope') -SpecPath $SpecFolder }
        $e.FullyQualifiedErrorId | Should -BeLike 'DocumentNotFound,*'
        Test-Path (Join-Path $TestHome 'store') | Should -BeFalse
    }

    It 'refuses an environment without a spec file, naming the file' {
        $docs = New-Item -ItemType Directory (Join-Path $TestHome 'docs')
        '{}' | Set-Content (Join-Path $docs 'A.1.json')
        $e = Get-KgError { Invoke-KgInference -Environment staging -DocumentPath $docs -SpecPath $SpecFolder }
        $e.FullyQualifiedErrorId | Should -BeLike 'SpecFileNotFound,*'
        "$e" | Should -Match 'staging\.yaml'
    }

    It 'refuses a chunk index outside the chunk count' {
        $e = Get-KgError { Invoke-KgInference -Environment sandbox -DocumentPath $TestHome -SpecPath $SpecFolder -ChunkIndex 2 -ChunkCount 2 }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidChunk,*'
    }
}
