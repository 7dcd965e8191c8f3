BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Bad input to the lifecycle cmdlets' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:V0 = Invoke-KgTraining Q9001 -Environment sandbox
        $script:Cid = $V0.ClassifierId
        # A second concept with four classifiers to test the profile limits.
        $folder = New-Item -ItemType Directory (Join-Path $TestHome 'limits')
        foreach ($n in 1..4) {
            "{`"preferred_label`": `"variant $n`", `"wikibase_id`": `"Q77`", `"alternative_labels`": [`"v$n`"]}" | Set-Content (Join-Path $folder "Q77-$n.json")
        }
        $script:Retired = foreach ($n in 1..4) { Invoke-KgTraining Q77 -Environment sandbox -ConceptPath (Join-Path $folder "Q77-$n.json") -NoEvaluate }
    }

    It 'rejects an unknown environment, naming it and the valid ones' {
        $e = Get-KgError { Publish-KgClassifier Q9001 -ClassifierId $Cid -Environment qa -AddClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        $e.Exception.Message | Should -Match "'qa'.*labs, sandbox, staging, production"
    }

    It 'rejects the invalid IDs <Id> <Cid>' -ForEach @(
        @{ Id = 'Q0'; Cid = 'nyr5vht5'; Rule = 'Wikibase ID' }
        @{ Id = "Q1`n"; Cid = 'nyr5vht5'; Rule = 'Wikibase ID' }
        @{ Id = 'Q9001'; Cid = 'NYR5VHT5'; Rule = 'classifier ID' }
        @{ Id = 'Q9001'; Cid = 'nyr5vht0'; Rule = 'classifier ID' }
    ) {
        $e = Get-KgError { Publish-KgClassifier -WikibaseId $Id -ClassifierId $Cid -Environment sandbox -AddClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $e.Exception.Message | Should -Match "not a valid $Rule"
    }

    It 'names a classifier that does not exist' {
        $e = Get-KgError { Publish-KgClassifier Q9001 -ClassifierId aaaaaaaa -Environment sandbox -AddClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'ClassifierNotFound,*'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e.Exception.Message | Should -Match 'Invoke-KgTraining'
    }

    It 'names a version that does not exist and the ones that do' {
        $e = Get-KgError { Publish-KgClassifier Q9001 -ClassifierId $Cid -Version v7 -Environment sandbox -AddClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'VersionNotFound,*'
        $e.Exception.Message | Should -Match 'has v0'
        $e = Get-KgError { Publish-KgClassifier Q9001 -ClassifierId $Cid -Version latest -Environment sandbox -AddClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'   # refused at binding
        $e.Exception.Message | Should -Match "'latest' is not accepted"
    }

    It 'refuses to promote a version of another environment' {
        $e = Get-KgError { Get-KgClassifier Q9001 -Environment sandbox | Publish-KgClassifier -Environment staging -AddClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'VersionEnvironmentMismatch,*'
        $e.Exception.Message | Should -Match 'Copy-KgClassifier'
    }

    It 'refuses to add and remove the same profile' {
        $e = Get-KgError { Publish-KgClassifier Q9001 -ClassifierId $Cid -Environment sandbox -AddClassifiersProfile primary -RemoveClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'ConflictingProfileChange,*'
    }

    It 'refuses two profiles' {
        $e = Get-KgError { Publish-KgClassifier Q9001 -ClassifierId $Cid -Environment sandbox -AddClassifiersProfile primary, experimental }
        $e.FullyQualifiedErrorId | Should -BeLike 'TooManyClassifiersProfiles,*'
    }

    It 'refuses to promote without a profile' {
        (Get-KgError { Publish-KgClassifier Q9001 -ClassifierId $Cid -Environment sandbox }).FullyQualifiedErrorId | Should -BeLike 'MissingClassifiersProfile,*'
    }

    It 'refuses an unknown profile or source, naming the valid ones' {
        $e = Get-KgError { Publish-KgClassifier Q9001 -ClassifierId $Cid -Environment sandbox -AddClassifiersProfile golden }
        $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $e.Exception.Message | Should -Match 'primary,experimental,retired'
        $e = Get-KgError { Set-KgClassifierMetadata Q9001 -ClassifierId $Cid -Environment sandbox -AddDontRunOn nowhere }
        $e.Exception.Message | Should -Match 'nowhere.*sabin'
    }

    It 'refuses a fourth retired classifier' {
        $Retired | Select-Object -First 3 | Publish-KgClassifier -AddClassifiersProfile retired | ForEach-Object Changed | Should -Be @($true, $true, $true)
        $before = @(Get-KgClassifierHistory Q77 -Environment sandbox).Count
        $e = Get-KgError { $Retired[3] | Publish-KgClassifier -AddClassifiersProfile retired }
        $e.FullyQualifiedErrorId | Should -BeLike 'ProfileLimitReached,*'
        $e.Exception.Message | Should -Match 'at most 3'
        @(Get-KgClassifierHistory Q77 -Environment sandbox).Count | Should -Be $before
    }

    It 'refuses -RequireGpu with -ClearRequireGpu, and no change at all' {
        (Get-KgError { Set-KgClassifierMetadata Q9001 -ClassifierId $Cid -Environment sandbox -RequireGpu -ClearRequireGpu }).FullyQualifiedErrorId | Should -BeLike 'ConflictingGpuChange,*'
        (Get-KgError { Set-KgClassifierMetadata Q9001 -ClassifierId $Cid -Environment sandbox }).FullyQualifiedErrorId | Should -BeLike 'NoChangeRequested,*'
    }

    It 'refuses metadata changes to a classifier that is not promoted' {
        $e = Get-KgError { Set-KgClassifierMetadata Q9001 -ClassifierId $Cid -Environment sandbox -AddDontRunOn sabin }
        $e.FullyQualifiedErrorId | Should -BeLike 'NotPromoted,*'
        $e.Exception.Message | Should -Match 'Publish-KgClassifier'
    }

    It 'refuses an ambiguous demotion and lists the candidates' {
        $Retired | Select-Object -First 2 | Unpublish-KgClassifier | Out-Null
        Publish-KgClassifier Q9001 -ClassifierId $Cid -Environment sandbox -AddClassifiersProfile primary | Out-Null
        $q77 = Get-KgClassifier Q77 -Environment sandbox -Promoted
        $q77.ClassifiersProfile | Should -Be 'retired'
        Publish-KgClassifier Q77 -ClassifierId $Retired[0].ClassifierId -Environment sandbox -AddClassifiersProfile primary | Out-Null
        $e = Get-KgError { Unpublish-KgClassifier Q77 -Environment sandbox }
        $e.FullyQualifiedErrorId | Should -BeLike 'AmbiguousDemotionTarget,*'
        $e.Exception.Message | Should -Match $Retired[0].ClassifierId
        $e.Exception.Message | Should -Match $Retired[2].ClassifierId
        (Unpublish-KgClassifier Q77 -Environment sandbox -ClassifiersProfile retired).ClassifierId | Should -Be $Retired[2].ClassifierId
    }

    It 'reports a corrupted manifest' {
        $v = Invoke-KgTraining Q9001 -Environment sandbox
        $manifest = Join-Path (Get-KgEnvironment sandbox).Store "models/Q9001/$Cid/$($v.Version)/manifest.json"
        Set-Content $manifest '{ "schema": "kgtools.model/1", "wikibase_id": '
        $e = Get-KgError { Publish-KgClassifier Q9001 -ClassifierId $Cid -Version $v.Version -Environment sandbox -AddClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorruptManifest,*'
        $e.Exception.Message | Should -Match 'manifest.json'
        $e = Get-KgError { Get-KgClassifier Q9001 -Environment sandbox }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorruptManifest,*'
        Remove-Item (Split-Path $manifest) -Recurse   # leave the store usable for the next tests
    }

    It 'refuses a model whose file fails its checksum, and writes nothing' {
        $v = Invoke-KgTraining Q9001 -Environment sandbox
        $stored = Get-KgClassifier Q9001 -Environment sandbox | Where-Object Version -eq $v.Version
        $manifest = Get-Content (Join-Path (Get-KgEnvironment sandbox).Store "models/Q9001/$Cid/$($v.Version)/manifest.json") -Raw | ConvertFrom-Json
        $sha = ($manifest.files | Where-Object name -eq 'model.json').sha256
        $blob = Join-Path (Get-KgEnvironment sandbox).Store "blobs/sha256/$($sha.Substring(0, 2))/$sha"
        $history = @(Get-KgClassifierHistory Q9001 -Environment sandbox).Count
        Set-Content $blob '{"tampered": true}'
        $e = Get-KgError { $stored | Publish-KgClassifier -AddClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'ChecksumMismatch,*'
        $e.Exception.Message | Should -Match $sha
        @(Get-KgClassifierHistory Q9001 -Environment sandbox).Count | Should -Be $history
        (Get-KgError { $stored | Invoke-KgClassifier -Text 'floods' }).FullyQualifiedErrorId | Should -BeLike 'ChecksumMismatch,*'
    }

    It 'refuses to write a spec file that is not writable, and changes nothing' {
        $specs = New-Item -ItemType Directory (Join-Path $TestHome 'specs/v2') -Force
        New-Item -ItemType Directory (Join-Path $specs 'sandbox.yaml') | Out-Null   # a folder where the file must go
        $e = Get-KgError { Update-KgInferenceSpec sandbox -Path (Split-Path $specs) }
        $e.FullyQualifiedErrorId | Should -BeLike 'FileNotWritable,*'
        $e.Exception.Message | Should -Match 'Nothing was changed'
        @(Get-ChildItem $specs -File).Count | Should -Be 0
    }

    It 'says where to find the spec folder when there is none' {
        Push-Location $TestHome
        try {
            $e = Get-KgError { Update-KgInferenceSpec sandbox }
            $e.FullyQualifiedErrorId | Should -BeLike 'SpecFolderNotFound,*'
            $e.Exception.Message | Should -Match 'KG_SPEC_PATH'
        }
        finally { Pop-Location }
    }

    It 'refuses an invalid store in the settings and keeps the old ones' {
        (Get-KgError { Set-KgEnvironment sandbox -Store 's3://Not_A_Bucket' }).FullyQualifiedErrorId | Should -BeLike 'InvalidStore,*'
        (Get-KgError { Set-KgEnvironment sandbox -Store 'ftp://x' }).FullyQualifiedErrorId | Should -BeLike 'InvalidStore,*'
        (Get-KgError { Set-KgEnvironment sandbox -EndpointUrl 'localhost:7480' }).FullyQualifiedErrorId | Should -BeLike 'InvalidEndpointUrl,*'
        (Get-KgEnvironment sandbox).StoreKind | Should -Be 'Local'
        Test-Path (Join-Path $TestHome 'settings.json') | Should -BeFalse
    }
}

Describe 'Bad S3 configuration' {
    BeforeAll { $script:TestHome = New-KgTestHome }

    It 'names a missing profile' -Skip:(-not $HasS3) {
        Set-KgEnvironment sandbox -Store "s3://$(New-TestBucket)" -EndpointUrl $S3Endpoint -ProfileName no-such-profile
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox }
        $e.FullyQualifiedErrorId | Should -BeLike 'CredentialsNotFound,*'
        $e.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $e.Exception.Message | Should -Match 'no-such-profile'
        $t = Test-KgEnvironment sandbox
        $t.Succeeded | Should -BeFalse
        $t.ErrorIds | Should -Be @('CredentialsNotFound')
    }

    It 'names a bucket that does not exist' -Skip:(-not $HasS3) {
        Set-KgEnvironment sandbox -Store 's3://kg-no-such-bucket/models' -EndpointUrl $S3Endpoint -ProfileName $S3Profile
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox }
        $e.FullyQualifiedErrorId | Should -BeLike 'BucketNotFound,*'
        $e.Exception.Message | Should -Match 'kg-no-such-bucket'
        $t = Test-KgEnvironment sandbox
        $t.CanList | Should -BeFalse
        $t.ErrorIds | Should -Contain 'BucketNotFound'
        $t.Credentials | Should -Match "profile '$S3Profile'"
    }

    It 'reports a reachable, writable S3 store' -Skip:(-not $HasS3) {
        Set-KgEnvironment sandbox -Store "s3://$(New-TestBucket)/kg" -EndpointUrl $S3Endpoint -ProfileName $S3Profile
        $t = Test-KgEnvironment sandbox
        $t.Succeeded | Should -BeTrue
        $t.Problems | Should -BeNullOrEmpty
        $t.StoreKind | Should -Be 'S3'
        Test-KgEnvironment sandbox -Quiet | Should -BeTrue
    }
}
