// An Android library module wrapping the dashlite bindings (a starting point for apps; not
// built on the CI machine, which has no Android SDK). Run bindings/android/build.sh first to
// fill jniLibs/, then include this folder as a Gradle module.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.dashlite"
    compileSdk = 35
    defaultConfig { minSdk = 24 }
    sourceSets["main"].apply {
        java.srcDirs("../kotlin/src/main/kotlin")
        jniLibs.srcDirs("jniLibs")
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

dependencies {
    // uniffi's Kotlin calls the library through JNA (≥ 5.7) and runs async functions as
    // suspend functions (kotlinx-coroutines ≥ 1.6).
    implementation("net.java.dev.jna:jna:5.14.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.8.1")
}
