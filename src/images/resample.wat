;; The two loops of the bicubic resampler (resample.ts) in WebAssembly with 128-bit SIMD, assembled by
;; scripts/build-wasm.ts into resample-wasm.ts. resample.ts computes the weights and calls these on the image,
;; all channels at once; the horizontal pass is `vertical` over the transposed image, transposed back.
;;
;; The arithmetic is Pillow's for 8-bit images: int32 sums of pixel × 22-bit fixed-point weight, started at half a
;; unit (1 << 21), arithmetic shift right by 22, clipped to 0..255. i32x4.mul and i32x4.add wrap as C's int32
;; does, so the order of the additions does not change a sum.
(module
  (memory (export "memory") 1)

  ;; out[yy * stride + i] = clip8((2^21 + sum over t < count[yy] of src[(start[yy] + t) * stride + i] *
  ;; weights[yy * kstride + t]) >> 22) for every output row yy < outH and byte i < stride: sixteen bytes of a row
  ;; at a time, each tap's row of sixteen bytes widened to four i32x4. A row is taken in steps of 16, so up to 15
  ;; bytes past its end are read (the next row, or the padding after the plane) and written (then written again by
  ;; the next row, or into the padding): the caller leaves 16 bytes after each plane.
  (func (export "vertical")
    (param $src i32) (param $stride i32) (param $start i32) (param $count i32) (param $weights i32)
    (param $kstride i32) (param $outH i32) (param $out i32)
    (local $yy i32) (local $b i32) (local $n i32) (local $wp i32) (local $i i32) (local $t i32) (local $p i32)
    (local $orow i32) (local $w v128) (local $px v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $ydone
      (loop $yloop
        (br_if $ydone (i32.ge_u (local.get $yy) (local.get $outH)))
        (local.set $n (i32.load (i32.add (local.get $count) (i32.shl (local.get $yy) (i32.const 2)))))
        (local.set $b (i32.add (local.get $src)
          (i32.mul (i32.load (i32.add (local.get $start) (i32.shl (local.get $yy) (i32.const 2)))) (local.get $stride))))
        (local.set $wp (i32.add (local.get $weights)
          (i32.shl (i32.mul (local.get $yy) (local.get $kstride)) (i32.const 2))))
        (local.set $orow (i32.add (local.get $out) (i32.mul (local.get $yy) (local.get $stride))))
        (local.set $i (i32.const 0))
        (block $idone
          (loop $iloop
            (br_if $idone (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $a0 (v128.const i32x4 2097152 2097152 2097152 2097152))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0))
            (local.set $a3 (local.get $a0))
            (local.set $p (i32.add (local.get $b) (local.get $i)))
            (local.set $t (i32.const 0))
            (block $tdone
              (loop $tloop
                (br_if $tdone (i32.ge_u (local.get $t) (local.get $n)))
                (local.set $w (v128.load32_splat (i32.add (local.get $wp) (i32.shl (local.get $t) (i32.const 2)))))
                (local.set $px (v128.load (local.get $p)))
                (local.set $lo (i16x8.extend_low_i8x16_u (local.get $px)))
                (local.set $hi (i16x8.extend_high_i8x16_u (local.get $px)))
                (local.set $a0 (i32x4.add (local.get $a0)
                  (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $lo)) (local.get $w))))
                (local.set $a1 (i32x4.add (local.get $a1)
                  (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $lo)) (local.get $w))))
                (local.set $a2 (i32x4.add (local.get $a2)
                  (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $hi)) (local.get $w))))
                (local.set $a3 (i32x4.add (local.get $a3)
                  (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $hi)) (local.get $w))))
                (local.set $p (i32.add (local.get $p) (local.get $stride)))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tloop)))
            ;; >> 22, then the two saturating narrowings (to int16, then to uint8) clip to 0..255
            (v128.store (i32.add (local.get $orow) (local.get $i))
              (i8x16.narrow_i16x8_u
                (i16x8.narrow_i32x4_s
                  (i32x4.shr_s (local.get $a0) (i32.const 22))
                  (i32x4.shr_s (local.get $a1) (i32.const 22)))
                (i16x8.narrow_i32x4_s
                  (i32x4.shr_s (local.get $a2) (i32.const 22))
                  (i32x4.shr_s (local.get $a3) (i32.const 22)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $iloop)))
        (local.set $yy (i32.add (local.get $yy) (i32.const 1)))
        (br $yloop))))

;; dst[x * h + y] = src[y * w + x] for pixels of `c` bytes (1 to 4 channels, interleaved), in blocks of 16 rows
  ;; (each column of a block written as up to 16 pixels in a row, the block's rows read together).
  (func (export "transpose") (param $src i32) (param $w i32) (param $h i32) (param $c i32) (param $dst i32)
    (local $y0 i32) (local $y1 i32) (local $x i32) (local $y i32) (local $s i32) (local $d i32)
    (local $rowBytes i32) (local $colBytes i32) (local $b i32)
    (local.set $rowBytes (i32.mul (local.get $w) (local.get $c)))
    (local.set $colBytes (i32.mul (local.get $h) (local.get $c)))
    (block $bdone
      (loop $bloop
        (br_if $bdone (i32.ge_u (local.get $y0) (local.get $h)))
        (local.set $y1 (i32.add (local.get $y0) (i32.const 16)))
        (if (i32.gt_u (local.get $y1) (local.get $h)) (then (local.set $y1 (local.get $h))))
        (local.set $x (i32.const 0))
        (block $xdone
          (loop $xloop
            (br_if $xdone (i32.ge_u (local.get $x) (local.get $w)))
            (local.set $s (i32.add (local.get $src)
              (i32.add (i32.mul (local.get $y0) (local.get $rowBytes)) (i32.mul (local.get $x) (local.get $c)))))
            (local.set $d (i32.add (local.get $dst)
              (i32.add (i32.mul (local.get $x) (local.get $colBytes)) (i32.mul (local.get $y0) (local.get $c)))))
            (local.set $y (local.get $y0))
            (block $ydone
              (loop $yloop
                (br_if $ydone (i32.ge_u (local.get $y) (local.get $y1)))
                (if (i32.eq (local.get $c) (i32.const 1))
                  (then (i32.store8 (local.get $d) (i32.load8_u (local.get $s))))
                  (else
                    (if (i32.eq (local.get $c) (i32.const 3))
                      (then
                        (i32.store16 (local.get $d) (i32.load16_u (local.get $s)))
                        (i32.store8 offset=2 (local.get $d) (i32.load8_u offset=2 (local.get $s))))
                      (else
                        (local.set $b (i32.const 0))
                        (block $cdone
                          (loop $cloop
                            (br_if $cdone (i32.ge_u (local.get $b) (local.get $c)))
                            (i32.store8 (i32.add (local.get $d) (local.get $b))
                              (i32.load8_u (i32.add (local.get $s) (local.get $b))))
                            (local.set $b (i32.add (local.get $b) (i32.const 1)))
                            (br $cloop)))))))
                (local.set $s (i32.add (local.get $s) (local.get $rowBytes)))
                (local.set $d (i32.add (local.get $d) (local.get $c)))
                (local.set $y (i32.add (local.get $y) (i32.const 1)))
                (br $yloop)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $xloop)))
        (local.set $y0 (local.get $y1))
        (br $bloop))))
)
