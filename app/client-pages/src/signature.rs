//! The drawn signature: strokes of points on a `WIDTH` × `HEIGHT` grid, written as text
//! (`x,y x,y;x,y …`, a stroke per `;`). The pad writes it; the server checks and keeps it.

pub const WIDTH: u16 = 600;
pub const HEIGHT: u16 = 200;
pub const MAX_POINTS: usize = 5_000;
pub const MAX_STROKES: usize = 200;

/// Whether another point still fits in what the server accepts.
pub fn room_for(strokes: &[Vec<(u16, u16)>]) -> bool {
    strokes.iter().map(Vec::len).sum::<usize>() < MAX_POINTS && strokes.len() < MAX_STROKES
}

/// Points closer than this to the last one add nothing to see.
pub fn far_enough(a: (u16, u16), b: (u16, u16)) -> bool {
    a.0.abs_diff(b.0) + a.1.abs_diff(b.1) >= 2
}

/// Strokes as text. Digits are written by hand: the browser's WASM then carries no formatting
/// machinery.
pub fn text_of(strokes: &[Vec<(u16, u16)>]) -> String {
    let mut text = String::new();
    for (s, stroke) in strokes.iter().enumerate() {
        if s > 0 {
            text.push(';');
        }
        for (p, &(x, y)) in stroke.iter().enumerate() {
            if p > 0 {
                text.push(' ');
            }
            push_number(&mut text, x);
            text.push(',');
            push_number(&mut text, y);
        }
    }
    text
}

fn push_number(text: &mut String, mut number: u16) {
    let mut digits = [0u8; 5];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    digits[at..].iter().for_each(|&digit| text.push(char::from(digit)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strokes_are_written_as_points_and_semicolons() {
        assert_eq!(text_of(&[]), "");
        assert_eq!(text_of(&[vec![(0, 0)]]), "0,0");
        assert_eq!(text_of(&[vec![(600, 200), (10, 9)], vec![(65535, 1)]]), "600,200 10,9;65535,1");
    }

    #[test]
    fn the_pad_stops_where_the_server_would_refuse() {
        assert!(room_for(&[]));
        assert!(!room_for(&[vec![(1, 1); MAX_POINTS]]));
        assert!(room_for(&[vec![(1, 1); MAX_POINTS - 1]]));
        assert!(!room_for(&vec![vec![(1, 1)]; MAX_STROKES]));
        assert!(far_enough((0, 0), (1, 1)) && far_enough((5, 5), (3, 5)) && !far_enough((4, 4), (5, 4)));
    }
}
