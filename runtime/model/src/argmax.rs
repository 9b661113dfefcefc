/// The index of the largest value: the first of equal ones (so label choices are deterministic, by
/// declaration order), 0 for no values. A NaN is never larger than another value, nor another value larger
/// than a NaN. Shared by decoding, the neural compiler's heads and the benchmarks, so they pick alike.
pub fn argmax<T: PartialOrd>(values: impl IntoIterator<Item = T>) -> usize {
    let mut values = values.into_iter().enumerate();
    let Some((_, mut max)) = values.next() else {
        return 0;
    };
    let mut best = 0;
    for (i, value) in values {
        if value > max {
            best = i;
            max = value;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::argmax;

    #[test]
    fn the_first_maximum_wins() {
        assert_eq!(argmax([1.0, 3.0, 2.0, 3.0]), 1);
        let logits = [2.0f32, 2.0];
        assert_eq!(argmax(&logits[..]), 0);
        assert_eq!(argmax(Vec::<f64>::new()), 0);
        assert_eq!(argmax([f64::NAN, 5.0]), 0);
        assert_eq!(argmax([1.0, f64::NAN, 0.5, 2.0]), 3);
    }
}
